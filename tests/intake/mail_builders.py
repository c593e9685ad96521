"""Shared fixture builders for the intake tests: the fictional `widget` project config and ParsedMessage shapes.

Kept in one place so each test module states only how its config or message differs from the common one.
All addresses are fictional (example.org / example.net / .test domains, invented people).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sample_project import sample_config

from steward.intake.message import ParsedMessage

MX = "mx.widget.example.org"
ROSTER = ["ana@widget.example.org"]
SECRET = bytes(range(32))


def config_data(**sections: Any) -> dict[str, Any]:
    """The common raw config with `sections` merged in (see `sample_project.sample_config`)."""
    return sample_config(**sections)


def parsed_message(
    body: str,
    *,
    subject: str = "Report",
    from_addr: str,
    from_name: str | None = None,
    date: datetime | None = datetime(2099, 1, 1, tzinfo=UTC),
    mid: str | None = "<m@reporter.example.net>",
    auth: tuple[str, ...] = (),
) -> ParsedMessage:
    """A single-part plain-text message, so each test names only the headers that matter to it."""
    return ParsedMessage(
        message_id=mid,
        in_reply_to=None,
        references=(),
        subject=subject,
        from_name=from_name,
        from_addr=from_addr,
        reply_to_addr=None,
        to=(),
        cc=(),
        date=date,
        body_text=body,
        body_was_html=False,
        truncated=False,
        attachments=(),
        skipped_parts=(),
        encrypted=False,
        encrypted_payload=None,
        authentication_results=auth,
        raw_size=len(body),
        notes=(),
    )
