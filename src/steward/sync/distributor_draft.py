"""The §8.10 distributor pre-announcement draft, as a value: who it goes to, what it says, which deadline it names.

Built while proposing (pure), written by `distributor_write` at apply. It is a skeleton for a human: it begins
`DRAFT — DO NOT SEND UNEDITED`, states only facts the tracker holds (never the private tracker URL, since the
distributor list is outside the security team) and leaves the description to be written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

DO_NOT_SEND = "DRAFT — DO NOT SEND UNEDITED"
TEMPLATE = "distributor-notify"
BLANK = "[TO BE WRITTEN]"


@dataclass(frozen=True)
class DistributorDraft:
    to: tuple[str, ...]
    subject: str
    body: str
    deadline: date
    """received + window + grace (§8.10); also the event key's target, so a re-run finds the same draft."""

    def as_json(self) -> dict[str, Any]:
        return {"to": list(self.to), "subject": self.subject, "deadline": self.deadline.isoformat()}


def _shown(value: str | None) -> str:
    text = " ".join((value or "").split())
    return text or "not yet known"


def distributor_draft(  # noqa: PLR0917 - every argument is one stated fact of the draft
    to: Sequence[str],
    package: str,
    deadline: date,
    tlp: str,
    cve_id: str | None,
    affected: str | None,
    severity: str | None,
    *,
    demo_line: str | None = None,
) -> DistributorDraft:
    """The skeleton: marker lines, the facts, and a `[TO BE WRITTEN]` description for a human."""
    about = f"{package} {cve_id}" if cve_id else f"{package} security fix"
    lines = [DO_NOT_SEND, *([demo_line] if demo_line else []), tlp, ""]
    lines += [
        "Hello,",
        "",
        f"this is an embargoed pre-announcement of a security fix in {package}. Please keep it within your "
        f"security team until the public advisory, planned for no later than {deadline.isoformat()}.",
        "",
        f"CVE: {cve_id or 'not yet allocated'}",
        f"Affected versions: {_shown(affected)}",
        f"Severity: {_shown(severity)}",
        "",
        f"Description: {BLANK}",
        f"Fix and how to apply it: {BLANK}",
    ]
    subject = f"[pre-announcement] {about}: disclosure by {deadline.isoformat()}"
    return DistributorDraft(tuple(to), subject, "\n".join(lines) + "\n", deadline)
