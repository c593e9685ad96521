"""Human search links from `archive_system.search_url_template` / `api_query_url_template` (spec §5.10, §13).

The security-thread field offers a search link for a paste-back when the archive cannot resolve a permalink;
every substituted value is URL-quoted, so inbound text can never add a path, query or fragment.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from steward.archive.interface import split_list


def search_link(template: str, list_address: str, query: str, when: datetime, *, list_domain: str | None = None) -> str:
    """`{list}` (the full address), `{list_domain}`, `{year}`, `{month}` (no leading zero) and `{query}`."""
    local, domain = split_list(list_address, list_domain)
    values = {
        "list": quote(f"{local}@{domain}", safe="@"),
        "list_local": quote(local, safe=""),
        "list_domain": quote(list_domain or domain, safe=""),
        "year": str(when.year),
        "month": str(when.month),
        "query": quote(" ".join(query.split())[:200], safe=""),
    }
    out = template
    for key, value in values.items():
        out = out.replace("{" + key + "}", value)
    return out
