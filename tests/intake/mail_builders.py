"""Shared fixture builders for the intake tests: the fictional `widget` project config and ParsedMessage shapes.

Kept in one place so each test module states only how its config or message differs from the common one.
All addresses are fictional (example.org / example.net / .test domains, invented people).
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from steward.intake.message import ParsedMessage

MX = "mx.widget.example.org"
ROSTER = ["ana@widget.example.org"]
SECRET = bytes(range(32))

_BASE: dict[str, Any] = {
    "project": "widget",
    "product": {
        "name": "Example Widget",
        "short_name": "Widget",
        "vendor": "Example",
        "package_name": "example-widget",
    },
    "governance": {"escalation_contact": "escalation@widget.example.org"},
    "security_inbox": {"address": "security@widget.example.org"},
    "mail_provider": {"source_uri": "maildir:.steward/inbox"},
    "lists": {
        "users": "users@widget.example.org",
        "announce": "announce@widget.example.org",
        "dev": "dev@widget.example.org",
        "private": "private@widget.example.org",
    },
    "tracker": {"upstream_repo": "example/widget"},
}


def config_data(**sections: Any) -> dict[str, Any]:
    """The common raw config with `sections` merged in; dict sections extend the base section key by key."""
    data = copy.deepcopy(_BASE)
    for name, value in sections.items():
        if isinstance(value, dict) and isinstance(data.get(name), dict):
            data[name].update(value)
        else:
            data[name] = value
    return data


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
