"""Scanner output (spec §5.16) as normalised findings: the ASVS markdown layouts and SARIF 2.1.0.

A scan report is untrusted input of arbitrary size and shape, so every reader here is total: a wrong type,
a missing key or a hostile nesting depth yields an empty value or a `ScanFormatError`, never an exception
from deep inside. JSON is size-bounded before it is parsed. Nothing here writes a field; the service decides
what reaches a tracker (and only through the sanitiser).

ASVS layout (steward decision, the reference named only the headings): a finding runs from its heading to the
next one; inside it, `**Key:** value` lines (optionally bulleted) and `###`/`####`/`#####` sub-headings fill the
normalised keys through `ASVS_KEYS`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from steward.intake.display import safe_terminal
from steward.patterns import PatternSet, norm

Format = Literal["asvs-issues", "asvs-consolidated", "sarif"]
FORMATS: tuple[Format, ...] = ("sarif", "asvs-issues", "asvs-consolidated")
MAX_SCAN_BYTES = 20 * 1024 * 1024
MAX_FINDINGS = 5000
MAX_TEXT = 20_000
MAX_FILES = 50
SEVERITIES = ("CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN")
LEVEL_SEVERITY = {"error": "HIGH", "warning": "MEDIUM", "note": "LOW", "none": "UNKNOWN"}
ASVS_KEYS: Mapping[str, str] = {
    "severity": "severity",
    "risk": "severity",
    "level": "level",
    "asvs level": "level",
    "cwe": "cwe",
    "files": "files",
    "file": "files",
    "affected files": "files",
    "location": "files",
    "locations": "files",
    "attacker capability": "attacker_capability",
    "attacker": "attacker_capability",
    "impact": "impact",
    "remediation": "remediation",
    "recommendation": "remediation",
    "fix": "remediation",
    "description": "description",
    "details": "description",
}

_KEY_LINE = re.compile(r"^[ \t]*(?:[-*+][ \t]+)?\*\*(?P<key>[^*\n]{1,40}?):?\*\*:?[ \t]*(?P<value>[^\n]*)$", re.M)
_SUBHEAD = re.compile(r"^#{3,5}[ \t]+(?P<key>[^\n]{1,60}?)[ \t#:]*$", re.M)
_CWE_TEXT = re.compile(r"\bCWE-(?P<n>[0-9]{1,5})\b", re.I)
_SEVERITY_WORD = re.compile(r"\b(critical|high|medium|moderate|low|informational|info)\b", re.I)


class ScanFormatError(ValueError):
    """The file is not a scan report steward reads; the service makes it a usage error naming the file."""


@dataclass(frozen=True)
class ScanFinding:
    """The normalised finding of §5.16; every string is one cleaned value, `files` are `path[:line]`."""

    id: str
    title: str
    severity: str
    level: str | None
    cwe: tuple[str, ...]
    files: tuple[str, ...]
    attacker_capability: str
    impact: str
    remediation: str
    description: str = ""


@dataclass(frozen=True)
class ScanReport:
    format: Format
    tool: str
    commit: str | None
    findings: tuple[ScanFinding, ...]
    warnings: tuple[str, ...] = ()


# ---------------------------------------------------------------------------------------------- helpers


def _text(value: object, limit: int = MAX_TEXT) -> str:
    """A string value cleaned of controls and cut to `limit`; anything else is empty."""
    if not isinstance(value, str):
        return ""
    return safe_terminal(norm(value)).strip()[:limit]


def _line(value: object, limit: int = 300) -> str:
    return " ".join(_text(value, limit * 4).split())[:limit]


def _get(node: object, *path: str | int) -> object:
    """node[path…] through dicts and lists; None where any step is missing or of the wrong type."""
    for step in path:
        if isinstance(step, int):
            if not isinstance(node, list) or not -len(node) <= step < len(node):
                return None
            node = node[step]
        else:
            if not isinstance(node, dict):
                return None
            node = node.get(step)
    return node


def _list(node: object) -> list[Any]:
    return node if isinstance(node, list) else []


def score_severity(score: float) -> str | None:
    """§5.16 security-severity bands; None for a score that sets no band (≤ 0)."""
    if score >= 9.0:
        return "CRITICAL"
    if score >= 7.0:
        return "HIGH"
    if score >= 4.0:
        return "MEDIUM"
    if score > 0:
        return "LOW"
    return None


def _score(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


# ---------------------------------------------------------------------------------------------- detect


def detect_sarif(text: str) -> bool:
    """A JSON object naming `runs` (SARIF's one required array besides `version`)."""
    return text.lstrip().startswith("{") and '"runs"' in text


def detect_asvs_issues(text: str, patterns: PatternSet) -> bool:
    return patterns["import_scan.asvs_issue_heading"].hit(text) is not None


def detect_asvs_consolidated(text: str, patterns: PatternSet) -> bool:
    return patterns["import_scan.asvs_consolidated_heading"].hit(text) is not None


def detect(text: str, patterns: PatternSet) -> Format | None:
    """The first adapter whose `detect()` holds, in `FORMATS` order."""
    if detect_sarif(text):
        return "sarif"
    if detect_asvs_issues(text, patterns):
        return "asvs-issues"
    if detect_asvs_consolidated(text, patterns):
        return "asvs-consolidated"
    return None


def parse_scan(text: str, patterns: PatternSet) -> ScanReport:
    """The report's findings; a file no adapter detects raises ScanFormatError."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_SCAN_BYTES:
        raise ScanFormatError(f"is larger than {MAX_SCAN_BYTES} bytes; split the scan into smaller reports")
    found = detect(text, patterns)
    if found == "sarif":
        return parse_sarif(text, patterns)
    if found is not None:
        return parse_asvs(text, found, patterns)
    raise ScanFormatError(
        "is neither SARIF 2.1.0 JSON nor an ASVS issues.md / consolidated.md report "
        "(no '## Issue: FINDING-NNN - title' or '#### FINDING-NNN: title' heading)"
    )


# ---------------------------------------------------------------------------------------------- SARIF


def load_json(text: str) -> object:
    """Bounded JSON: size-checked, and nesting too deep for the parser is a ScanFormatError."""
    if len(text) > MAX_SCAN_BYTES:
        raise ScanFormatError(f"is larger than {MAX_SCAN_BYTES} bytes")
    try:
        return json.loads(text)
    except RecursionError:
        raise ScanFormatError("nests JSON too deeply to read") from None
    except ValueError as exc:
        raise ScanFormatError(f"is not valid JSON ({str(exc)[:120]})") from None


def _rules(run: object) -> list[Any]:
    return _list(_get(run, "tool", "driver", "rules"))


def _rule_for(result: object, rules: Sequence[Any]) -> dict[str, Any]:
    index = _get(result, "ruleIndex")
    if not isinstance(index, int) or isinstance(index, bool):
        index = _get(result, "rule", "index")
    if isinstance(index, int) and not isinstance(index, bool) and 0 <= index < len(rules):
        rule = rules[index]
        return rule if isinstance(rule, dict) else {}
    wanted = _get(result, "ruleId")
    if not isinstance(wanted, str):
        wanted = _get(result, "rule", "id")
    if isinstance(wanted, str):
        for rule in rules:
            if isinstance(rule, dict) and rule.get("id") == wanted:
                return rule
    return {}


def _rule_id(result: object, rule: Mapping[str, Any]) -> str:
    for candidate in (_get(result, "ruleId"), _get(result, "rule", "id"), rule.get("id")):
        if isinstance(candidate, str) and candidate.strip():
            return _line(candidate, 120)
    return "unknown-rule"


def _fingerprint(result: object) -> str | None:
    for key in ("fingerprints", "partialFingerprints"):
        prints = _get(result, key)
        if isinstance(prints, dict):
            for value in prints.values():
                if isinstance(value, str) and value.strip():
                    return _line(value, 120)
    return None


def _severity(result: object, rule: Mapping[str, Any]) -> tuple[str, str | None]:
    for props in (_get(result, "properties"), rule.get("properties")):
        score = _score(_get(props, "security-severity"))
        if score is not None:
            band = score_severity(score)
            if band is not None:
                level = _get(result, "level")
                return band, level if isinstance(level, str) and level in LEVEL_SEVERITY else None
    level = _get(result, "level")
    if not isinstance(level, str) or level not in LEVEL_SEVERITY:
        level = _get(rule, "defaultConfiguration", "level")
    if not isinstance(level, str) or level not in LEVEL_SEVERITY:
        level = "warning"  # SARIF 2.1.0 §3.27.10: the default level
    return LEVEL_SEVERITY[level], level


def _cwes(rule: Mapping[str, Any], patterns: PatternSet) -> tuple[str, ...]:
    entry = patterns["import_scan.sarif_cwe_tag"]
    out: list[str] = []
    for tag in _list(_get(rule, "properties", "tags")):
        if isinstance(tag, str) and len(tag) <= 64:
            hit = entry.hit(tag)
            if hit is not None:
                cwe = f"CWE-{int(hit.group('cwe'))}"
                if cwe not in out:
                    out.append(cwe)
    return tuple(out)


def _files(result: object) -> tuple[str, ...]:
    out: list[str] = []
    for location in _list(_get(result, "locations"))[:MAX_FILES]:
        uri = _line(_get(location, "physicalLocation", "artifactLocation", "uri"), 400)
        if not uri:
            continue
        line = _get(location, "physicalLocation", "region", "startLine")
        entry = f"{uri}:{line}" if isinstance(line, int) and not isinstance(line, bool) and line > 0 else uri
        if entry not in out:
            out.append(entry)
    return tuple(out)


def parse_sarif(text: str, patterns: PatternSet) -> ScanReport:
    data = load_json(text)
    if not isinstance(data, dict) or not isinstance(data.get("runs"), list):
        raise ScanFormatError("is not a SARIF log (no top-level 'runs' array)")
    version = data.get("version")
    warnings: list[str] = []
    if version != "2.1.0":
        warnings.append(f"SARIF version {_line(version, 20) or 'missing'!r} is not 2.1.0; read as 2.1.0.")
    findings: list[ScanFinding] = []
    tools: list[str] = []
    commit: str | None = None
    index = 0
    for run in _list(data.get("runs")):
        tool = _line(_get(run, "tool", "driver", "name"), 80)
        if tool and tool not in tools:
            tools.append(tool)
        for provenance in _list(_get(run, "versionControlProvenance")):
            revision = _line(_get(provenance, "revisionId"), 80)
            if revision and commit is None:
                commit = revision
        rules = _rules(run)
        for result in _list(_get(run, "results")):
            index += 1
            if len(findings) >= MAX_FINDINGS:
                warnings.append(f"more than {MAX_FINDINGS} results; the rest were not read.")
                break
            if not isinstance(result, dict):
                warnings.append(f"result {index} is not an object; skipped.")
                continue
            findings.append(_sarif_finding(result, rules, index, patterns))
    return ScanReport("sarif", ", ".join(tools) or "sarif", commit, tuple(findings), tuple(warnings))


def _sarif_finding(result: dict[str, Any], rules: Sequence[Any], index: int, patterns: PatternSet) -> ScanFinding:
    rule = _rule_for(result, rules)
    rule_id = _rule_id(result, rule)
    fingerprint = _fingerprint(result)
    finding_id = f"{rule_id}:{fingerprint}" if fingerprint else f"{rule_id}#{index}"
    message = _text(_get(result, "message", "text"))
    title = _line(_get(rule, "shortDescription", "text"), 200) or _line(message.split("\n", 1)[0], 200)
    severity, level = _severity(result, rule)
    return ScanFinding(
        id=finding_id,
        title=title or rule_id,
        severity=severity,
        level=level,
        cwe=_cwes(rule, patterns),
        files=_files(result),
        attacker_capability="",
        impact=message,
        remediation=_text(_get(rule, "help", "text")),
        description=_text(_get(rule, "fullDescription", "text")),
    )


# ---------------------------------------------------------------------------------------------- ASVS markdown


def _asvs_fields(block: str) -> dict[str, str]:
    """`**Key:** value` lines and sub-headed sections of one finding, by normalised key."""
    found: dict[str, str] = {}
    marks: list[tuple[int, int, str, str | None]] = []
    for hit in _KEY_LINE.finditer(block):
        marks.append((hit.start(), hit.end(), hit.group("key"), hit.group("value")))
    for hit in _SUBHEAD.finditer(block):
        marks.append((hit.start(), hit.end(), hit.group("key"), None))
    marks.sort()
    for index, (_start, end, key, value) in enumerate(marks):
        name = ASVS_KEYS.get(" ".join(key.split()).casefold().rstrip(":"))
        following = marks[index + 1][0] if index + 1 < len(marks) else len(block)
        text = value.strip() if value and value.strip() else block[end:following].strip()
        if name is None or not text or name in found:
            continue
        found[name] = text[:MAX_TEXT]
    return found


def _asvs_severity(value: str) -> str:
    hit = _SEVERITY_WORD.search(value)
    if hit is None:
        return "UNKNOWN"
    word = hit.group(1).upper()
    return {"MODERATE": "MEDIUM", "INFORMATIONAL": "LOW", "INFO": "LOW"}.get(word, word)


def _asvs_files(value: str) -> tuple[str, ...]:
    out: list[str] = []
    for raw in re.split(r"[\n,]", value):
        item = raw.strip().lstrip("-*+ ").strip().strip("`").strip()
        item = _line(item, 400)
        if item and item not in out:
            out.append(item)
        if len(out) >= MAX_FILES:
            break
    return tuple(out)


def parse_asvs(text: str, layout: Format, patterns: PatternSet) -> ScanReport:
    name = "import_scan.asvs_issue_heading" if layout == "asvs-issues" else "import_scan.asvs_consolidated_heading"
    text = norm(text).replace("\r\n", "\n").replace("\r", "\n")
    heads = [hit for _, hit in patterns[name].hits(text)]
    findings: list[ScanFinding] = []
    seen: dict[str, int] = {}
    warnings: list[str] = []
    for index, head in enumerate(heads[:MAX_FINDINGS]):
        end = heads[index + 1].start() if index + 1 < len(heads) else len(text)
        block = text[head.end() : end]
        values = _asvs_fields(block)
        finding_id = head.group("id")
        seen[finding_id] = seen.get(finding_id, 0) + 1
        if seen[finding_id] > 1:
            warnings.append(
                f"{finding_id} appears {seen[finding_id]} times; the repeat is {finding_id}.{seen[finding_id]}."
            )
            finding_id = f"{finding_id}.{seen[finding_id]}"
        cwes = tuple(dict.fromkeys(f"CWE-{int(m.group('n'))}" for m in _CWE_TEXT.finditer(values.get("cwe", ""))))
        findings.append(
            ScanFinding(
                id=finding_id,
                title=_line(head.group("title"), 200) or finding_id,
                severity=_asvs_severity(values.get("severity", "")),
                level=_line(values.get("level"), 40) or None,
                cwe=cwes,
                files=_asvs_files(values.get("files", "")),
                attacker_capability=_text(values.get("attacker_capability")),
                impact=_text(values.get("impact")),
                remediation=_text(values.get("remediation")),
                description=_text(values.get("description")),
            )
        )
    if len(heads) > MAX_FINDINGS:
        warnings.append(f"more than {MAX_FINDINGS} findings; the rest were not read.")
    return ScanReport(layout, "asvs", None, tuple(findings), tuple(warnings))
