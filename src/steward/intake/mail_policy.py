"""An email policy that parses each header once: the stdlib re-parses on every access, a dozen times a message."""

from __future__ import annotations

import re
from email import policy
from email.policy import EmailPolicy
from functools import lru_cache
from typing import Any

_LINESEP = re.compile(r"\n|\r")
_CACHED_HEADER_CHARS = 2000


@lru_cache(maxsize=2048)
def _cached_header(name: str, value: str) -> Any:
    return policy.default.header_factory(name, value)


def header_object(name: str, value: str) -> Any:
    """`policy.default.header_factory(name, value)`, memoised for the MIME headers that recur in every message.

    Only `Content-*` and `MIME-Version` are kept: per-sender headers (From, To ...) rarely repeat and would fill
    the cache with parse trees that grow the memory with the mailbox.
    """
    if len(value) > _CACHED_HEADER_CHARS or not name.lower().startswith(("content-", "mime-version")):
        return policy.default.header_factory(name, value)
    return _cached_header(name, value)


class CachingPolicy(EmailPolicy):
    """The default policy, but a header fetched twice is parsed once.

    The stdlib re-parses a header on every access (`get_content_type`, `get_filename`, the feed parser's own
    look-ups ...), about a dozen parses per message; the parsed header objects are immutable, so sharing them
    changes nothing but the time.
    """

    def header_fetch_parse(self, name: str, value: str) -> Any:
        if hasattr(value, "name"):
            return value
        return header_object(name, "".join(_LINESEP.split(value)))
