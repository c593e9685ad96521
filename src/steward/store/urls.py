"""Store URLs as they may appear in messages and logs: never with a password."""

from __future__ import annotations

import re

from sqlalchemy.engine import URL


def safe_url(url: str | URL) -> str:
    """The URL as it may appear in a message: password hidden."""
    if isinstance(url, URL):
        return url.render_as_string(hide_password=True)
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)
