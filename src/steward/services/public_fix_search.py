"""§5.6 against the code host during `import mail --check-prs`: is the fix for this report already public?

Opt-in (steward decision): the search terms come from an embargoed report, and a dry run should not send
them to a third-party search API unless the operator asked for it. Without the flag the proposal says the
PRs were not searched, so "no public fix" never stands for "not looked". The code host is only read; steward
never comments on a PR. The first failure stops further searches for the run and becomes a note.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

from steward import ids
from steward.app import App
from steward.codehost.interface import CodeHost, CodeHostError
from steward.intake.message import ParsedMessage
from steward.intake.proposal import Candidate
from steward.intake.public_fix import PublicFix, public_fix_findings, search_terms
from steward.intake.signals import upstream_pr_numbers

NOT_SEARCHED = "fix-already-public: upstream PRs not searched (add --check-prs to search the code host)"
SEARCH_LIMIT = 30
DAYS = 180
"""§5.6: PRs open, or merged within 180 days of the report."""


class PublicFixSearch:
    """One import's code-host searches, with the notes its failures leave."""

    def __init__(self, app: App, code_host: CodeHost | None) -> None:
        self.app = app
        self.code_host = code_host
        self.notes: list[str] = []
        self.logins = {m.handle.casefold() for m in app.config.roster.members}

    def check(self, candidate: Candidate, root: ParsedMessage, text: str) -> Outcome:
        """The candidate, reclassified `fix-already-public` on a STRONG finding, and the lines to show."""
        if candidate.cls != "report":
            return Outcome(candidate, ())
        if self.code_host is None:
            return Outcome(candidate, (NOT_SEARCHED,))
        terms = search_terms(text, self.app.patterns)
        ghsa = ids.ghsa_ids(text)
        if not terms and not ghsa:
            return Outcome(candidate, ("fix-already-public: nothing specific enough to search upstream PRs for",))
        when = root.date or self.app.now()
        try:
            since = (when - timedelta(days=DAYS)).date()
            prs = self.code_host.search_prs([*terms, *ghsa], since=since, limit=SEARCH_LIMIT)
        except CodeHostError as exc:
            self.notes.append(f"code host not searched: {exc}")
            self.code_host = None
            return Outcome(candidate, (f"fix-already-public: not searched ({exc})",))
        findings = public_fix_findings(
            text,
            self.app.patterns,
            reporter_pr_numbers=upstream_pr_numbers(text, self.app.patterns),
            prs=prs,
            report_date=when,
            roster_logins=self.logins,
            security_address=self.app.config.security_inbox.address,
            ghsa_ids=ghsa,
        )
        lines = tuple(_line(f) for f in findings) or (f"fix-already-public: no matching PR among {len(prs)} found",)
        strong = [f for f in findings if f.strength == "STRONG"]
        if not strong:
            return Outcome(candidate, lines)
        listed = ", ".join(f"#{f.pr}" for f in strong)
        changed = replace(
            candidate,
            cls="fix-already-public",
            action="reject",
            template=None,
            credit=None,
            reasons=(*candidate.reasons, f"public upstream PR {listed} ({strong[0].reason})"),
        )
        return Outcome(changed, lines, tuple(f.url for f in strong if f.url))


@dataclass(frozen=True)
class Outcome:
    candidate: Candidate
    lines: tuple[str, ...]
    urls: tuple[str, ...] = ()
    """The STRONG PRs' URLs, for the draft asking the reporter to check them."""


def _line(finding: PublicFix) -> str:
    tail = f" {finding.url}" if finding.url else ""
    down = " (downgraded)" if finding.downgraded else ""
    return f"public fix {finding.strength}{down}: PR #{finding.pr}, {finding.reason}{tail}"
