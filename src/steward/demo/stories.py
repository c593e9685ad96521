"""The fictional Quillwort trackers: one per lifecycle state, each with the path that leads there.

FICTIONAL DEMO DATA — not a real project or vulnerability. Every reporter, address
and identifier below is invented; CVE ids come from the demo counter (CVE-2099-…).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from steward.domain.roles import Field


@dataclass(frozen=True)
class Story:
    title: str
    fields: dict[Field, str]
    path: tuple[str, ...] = ()
    """Steps after creation: valid, cve, pr, merged, released, announced, closed, invalid, not-cve-worthy,
    wontfix, duplicate-of:<index>."""
    extra: dict[Field, str] = field(default_factory=dict)
    """Fields set once the tracker is valid (summary, CWE, severity, ...)."""


def _thread(local: str) -> str:
    return f"Root Message-ID: `<{local}@mail.example.net>`"


STORIES: tuple[Story, ...] = (
    Story(
        "Template loader follows symlinks outside the search path",
        {
            Field.ISSUE_DESCRIPTION: "A symlink inside a template directory lets `Loader.get()` read any file the "
            "process can read.",
            Field.SECURITY_THREAD: _thread("loader-symlink"),
            Field.REPORTER_CREDIT: "Mira Testwell",
        },
    ),
    Story(
        "Sandbox allows attribute access to format internals",
        {
            Field.ISSUE_DESCRIPTION: "`{{ obj.__format__ }}` escapes the sandbox's attribute filter.",
            Field.SECURITY_THREAD: _thread("sandbox-format"),
            Field.REPORTER_CREDIT: "Jun Placeholder",
        },
        ("valid",),
    ),
    Story(
        "Autoescape is skipped for macros imported with context",
        {
            Field.ISSUE_DESCRIPTION: "Macros imported `with context` render their arguments unescaped.",
            Field.SECURITY_THREAD: _thread("macro-autoescape"),
            Field.REPORTER_CREDIT: "Ola Invented of Example Labs",
            Field.AFFECTED_VERSIONS: "`< NEXT VERSION`",
        },
        ("valid", "cve"),
    ),
    Story(
        "Cache key collision lets one tenant read another's compiled template",
        {
            Field.ISSUE_DESCRIPTION: "Two template names that differ only in case share a bytecode cache entry.",
            Field.SECURITY_THREAD: _thread("cache-collision"),
            Field.REPORTER_CREDIT: "Pat Sample",
            Field.AFFECTED_VERSIONS: "`>= 2.0.0, < 2.7.1`",
        },
        ("valid", "cve", "pr"),
    ),
    Story(
        "Regular expression in the include tag backtracks catastrophically",
        {
            Field.ISSUE_DESCRIPTION: "A crafted include path makes the tag parser take minutes per template.",
            Field.SECURITY_THREAD: _thread("include-redos"),
            Field.REPORTER_CREDIT: "quillscan[bot]",
            Field.AFFECTED_VERSIONS: "`< 2.7.1`",
        },
        ("valid", "cve", "pr", "merged"),
    ),
    Story(
        "Debug toolbar exposes environment variables in error pages",
        {
            Field.ISSUE_DESCRIPTION: "With `debug=True` left on, the error page prints `os.environ`.",
            Field.SECURITY_THREAD: _thread("debug-env"),
            Field.REPORTER_CREDIT: "Lee Fictional",
            Field.AFFECTED_VERSIONS: "`< 2.6.4`",
        },
        ("valid", "cve", "pr", "merged", "released"),
    ),
    Story(
        "Filter chain evaluates user-supplied filter names",
        {
            Field.ISSUE_DESCRIPTION: "`|attr(name)` with a user-controlled name reaches private helpers.",
            Field.SECURITY_THREAD: _thread("filter-chain"),
            Field.REPORTER_CREDIT: "Noor Madeup",
            Field.AFFECTED_VERSIONS: "`< 2.6.3`",
        },
        ("valid", "cve", "pr", "merged", "released", "announced"),
    ),
    Story(
        "Path traversal in the file system loader on Windows separators",
        {
            Field.ISSUE_DESCRIPTION: "Backslash-separated names escape the search path on Windows hosts.",
            Field.SECURITY_THREAD: _thread("win-traversal"),
            Field.REPORTER_CREDIT: "Kai Notreal",
            Field.AFFECTED_VERSIONS: "`< 2.6.2`",
        },
        ("valid", "cve", "pr", "merged", "released", "announced", "closed"),
    ),
    Story(
        "Rendering untrusted templates runs arbitrary code",
        {
            Field.ISSUE_DESCRIPTION: "The report renders attacker-written templates outside the sandbox, which the "
            "security model says is trusted input.",
            Field.SECURITY_THREAD: _thread("untrusted-templates"),
            Field.REPORTER_CREDIT: "Dee Imaginary",
        },
        ("invalid",),
    ),
    Story(
        "Error message reveals the template search path",
        {
            Field.ISSUE_DESCRIPTION: "A missing template error names the configured directories.",
            Field.SECURITY_THREAD: _thread("search-path-leak"),
            Field.REPORTER_CREDIT: "anonymous",
        },
        ("not-cve-worthy",),
    ),
    Story(
        "Sandbox allows attribute access to format internals via str subclass",
        {
            Field.ISSUE_DESCRIPTION: "Same root cause as the format-internals report, reached through a str subclass.",
            Field.SECURITY_THREAD: _thread("sandbox-format-2"),
            Field.REPORTER_CREDIT: "Ren Pretend",
        },
        ("duplicate-of:1",),
    ),
    Story(
        "Compiled templates are written with group-writable permissions",
        {
            Field.ISSUE_DESCRIPTION: "The bytecode cache creates files 0664; hardening only on shared hosts.",
            Field.SECURITY_THREAD: _thread("cache-perms"),
            Field.REPORTER_CREDIT: "Ari Standin",
        },
        ("wontfix",),
    ),
)

VALID_EXTRA: dict[Field, str] = {
    Field.CWE: "CWE-22: Improper Limitation of a Pathname to a Restricted Directory ('Path Traversal')",
    Field.SEVERITY: "medium\nCVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N",
}
