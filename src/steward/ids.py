"""CVE, GHSA, CWE and CVSS identifiers: the only module that applies `ids.*` (spec G7, D18)."""

from __future__ import annotations

from steward.patterns import fixed


def is_cve(value: str) -> bool:
    """The schema's `cveId`: fullmatch, ASCII, case-sensitive."""
    return fixed()["ids.cve"].hit(value) is not None


def cves_in_text(text: str) -> list[str]:
    """Every valid CVE id in `text`, upper-cased, in order of appearance, without repeats."""
    seen: list[str] = []
    for _, found in fixed()["ids.cve_in_text"].hits(text):
        candidate = found.group(0).upper()
        if is_cve(candidate) and candidate not in seen:
            seen.append(candidate)
    return seen


def first_cve(text: str) -> str | None:
    found = cves_in_text(text)
    return found[0] if found else None


def ghsa_ids(text: str) -> list[str]:
    """GHSA ids, lower-cased after the prefix as GitHub writes them."""
    out: list[str] = []
    for _, found in fixed()["ids.ghsa"].hits(text):
        value = "GHSA" + found.group(0)[4:].lower()
        if value not in out:
            out.append(value)
    return out


def cwe_ids(text: str) -> list[int]:
    out: list[int] = []
    for _, found in fixed()["ids.cwe"].hits(text):
        number = int(found.group("id"))
        if number not in out:
            out.append(number)
    return out


def cvss_vectors(text: str) -> list[tuple[str, str]]:
    """(version, full vector string) for each `CVSS:3.1/…` or `CVSS:4.0/…` in `text`."""
    return [(m.group("version"), m.group(0)) for _, m in fixed()["ids.cvss_vector"].hits(text)]
