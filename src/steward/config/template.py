"""The commented `.steward/project.yml` that `steward init` writes (spec §13.2, §13.3).

It holds only what differs from the organisation profile, plus every required
key. Values only a human can supply are `.invalid` / `invalid/` placeholders
marked `# TODO`, so the file passes `config check` with warnings only.
"""

from __future__ import annotations

import re

import yaml

from steward.domain.roles import Role


def slug(name: str) -> str:
    """`<name>`: the name lower-cased, whitespace runs as hyphens (§13.3)."""
    return re.sub(r"\s+", "-", name.strip()).lower()


def _s(value: str) -> str:
    """One YAML scalar, quoted only when plain style would change its meaning."""
    dumped: str = yaml.safe_dump(value, allow_unicode=True, width=1_000_000, default_flow_style=True)
    return dumped.removesuffix("\n").removesuffix("\n...").strip()


def render_project_yml(profile: str, name: str, security_list: str | None, identity: str) -> str:
    """The project file `init` writes for `profile` (`asf` or `independent`)."""
    if profile not in ("asf", "independent"):
        raise ValueError(f"unknown organisation profile {profile!r}; allowed: asf, independent")
    typed = name.strip()
    n = slug(typed)
    roles = ", ".join(role.value for role in Role)
    asf = profile == "asf"
    out: list[str] = [
        f"# .steward/project.yml for {typed}, written by `steward init` (profile: {profile}).",
        "# This file holds only what differs from the organisation profile (spec §13);",
        "# `steward config check --show` prints every resolved value and the layer it came from.",
        "# Lines marked TODO hold placeholders (.invalid addresses, invalid/ repositories): `config check`",
        "# warns about each until it is replaced, and commands that need one refuse.",
        "",
        f"project: {_s(n)}",
        f"organization: {profile}",
        "",
        "product:",
        f"  name: {_s(f'Apache {typed}' if asf else typed)}",
        f"  short_name: {_s(typed)}",
        f"  vendor: {_s('Apache Software Foundation' if asf else typed)}",
        f"  package_name: {_s(f'apache-{n}' if asf else n)}",
        "",
    ]
    default_inbox = f"security@{n}.apache.org" if asf else f"security@{n}.invalid"
    inbox = security_list or default_inbox
    todo = "" if security_list or asf else "  # TODO: the team's private security list"
    out += ["security_inbox:", f"  address: {_s(inbox)}{todo}", ""]
    if not asf:
        out += ["lists:"]
        for key, what in (
            ("users", "the public users list"),
            ("announce", "the release-announcement list"),
            ("dev", "the developers list"),
            ("private", "the private governance list"),
        ):
            out.append(f"  {key}: {_s(f'{key}@{n}.invalid')}  # TODO: {what}")
        out.append("")
    out += ["governance:"]
    if asf:
        out.append(f"  escalation_contact: {_s(f'private@{n}.apache.org')}")
    else:
        out.append(f"  escalation_contact: {_s(f'escalation@{n}.invalid')}  # TODO: who escalations go to")
    out.append("")
    if asf:
        out += [
            "forwarders:",
            "  # The profile enables asf-security (reports relayed by the foundation security team).",
            "  asf_security:",
            f"    contact: {_s(f'forwarder@{n}.invalid')}  # TODO: the relaying team's address (not the relay)",
            "",
        ]
    upstream = f"apache/{n}" if asf else f"invalid/{n}"
    upstream_todo = "" if asf else "  # TODO: the public code repository, owner/name"
    out += [
        "tracker:",
        "  platform: sql  # the embedded store; projects on GitHub switch to `github` with `repo: owner/name`",
        f"  upstream_repo: {_s(upstream)}{upstream_todo}",
        "  board:",
        "    kind: embedded  # with platform github: github-projects-v2 and project_id",
        "",
        "mail_provider:",
        "  primary: maildir",
        "  source_uri: maildir:.steward/inbox  # created empty; teams switch to imap://user@host:993/INBOX",
        "",
        "cve_authority:",
    ]
    if asf:
        out += [
            "  # The asf profile names vulnogram; until the team configures it no CNA tool is used.",
            "  # To switch: `tool: vulnogram`, and `vulnogram: {token: keyring:steward/vulnogram}`",
            "  # for the token API (`steward cve login` stores it); without a token ids are pasted back.",
        ]
    else:
        out += [
            "  # The independent profile names mitre-form; set `tool: mitre-form` (or cve-services, ghsa) when ready."
        ]
    out += [
        "  tool: none",
        "",
        "archive_system:",
    ]
    if asf:
        out += ["  # The asf profile names ponymail (lists.apache.org); to switch: `kind: ponymail`."]
    else:
        out += ["  # To read a list archive: kind: ponymail or hyperkitty (with base_url), or mbox-dir (with path)."]
    out += [
        "  kind: none",
        "",
        "roster:",
        "  members:",
        f"    - handle: {_s(identity)}",
        f"      roles: [{roles}]",
        "",
    ]
    return "\n".join(out)
