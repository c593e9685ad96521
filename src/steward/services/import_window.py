"""The §5.1 candidate window of `import mail` and the mail source it reads."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from steward.app import App
from steward.errors import UsageError
from steward.intake.message import normalise_message_id
from steward.intake.sources import MailSource, open_source

_LAST = re.compile(r"([0-9]{1,5})d")


@dataclass(frozen=True)
class Window:
    since: datetime | None
    thread: str | None
    label: str


def choose_window(
    app: App, *, since: str | None = None, last: str | None = None, window: bool = False, thread: str | None = None
) -> Window:
    """The §5.1 candidate window; the four overrides exclude each other."""
    options = (("--since", since), ("--last", last), ("--window", window), ("--thread", thread))
    given = [name for name, value in options if value]
    if len(given) > 1:
        raise UsageError(
            f"{' and '.join(given)} exclude each other; give at most one of --since, --last, --window, --thread."
        )
    now = app.now()
    if since:
        try:
            day = date.fromisoformat(since.strip())
        except ValueError:
            raise UsageError(f"--since {since!r} is not a date; write YYYY-MM-DD.") from None
        return Window(datetime(day.year, day.month, day.day, tzinfo=UTC), None, f"since {day.isoformat()}")
    if last:
        found = _LAST.fullmatch(last.strip())
        if found is None:
            raise UsageError(f"--last {last!r} is not a number of days; write e.g. --last 30d.")
        days = int(found.group(1))
        return Window(now - timedelta(days=days), None, f"last {days} days")
    if window:
        days = app.config.disclosure.window_days
        return Window(now - timedelta(days=days), None, f"last {days} days (disclosure.window_days)")
    if thread:
        wanted = normalise_message_id(thread)
        if wanted is None:
            raise UsageError(f"--thread {thread!r} is not a Message-ID; write it as <id@host>.")
        return Window(None, wanted, f"thread {wanted}")
    days = app.config.security_inbox.import_window_days
    return Window(now - timedelta(days=days), None, f"last {days} days (security_inbox.import_window_days)")


def source_for(app: App, uri: str | None) -> tuple[str, MailSource]:
    """`--source`, else `mail_provider.source_uri`; a relative path is relative to the project root."""
    text = (uri or app.config.mail_provider.source_uri).strip()
    scheme, sep, rest = text.partition(":")
    if sep and scheme.lower() in ("mbox", "maildir") and rest.strip():
        path = Path(rest.strip()).expanduser()
        if not path.is_absolute():
            text = f"{scheme}:{app.loaded.root / path}"
    return text, open_source(text)
