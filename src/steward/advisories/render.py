"""One entry point for `steward advisory ID --format …` and the §10.3 check every output must pass.

Rendering never raises on an incomplete record: the text comes back with the
schema errors and warnings beside it, and the caller decides whether to
refuse (a record leaving steward must have no schema error).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from steward.advisories.csaf import render_csaf
from steward.advisories.email_text import render_email
from steward.advisories.facts import AdvisoryContext, Clock, advisory_facts, format_utc
from steward.advisories.osv import render_osv
from steward.advisories.spec11 import render_spec11
from steward.records.inputs import RecordInput, RecordSettings, urls_in
from steward.records.validate import SchemaError

AdvisoryFormat = Literal["email", "spec11", "osv", "csaf"]
FORMATS: tuple[AdvisoryFormat, ...] = ("email", "spec11", "osv", "csaf")
TEXT = "text/plain; charset=utf-8"
JSON = "application/json"


@dataclass(frozen=True)
class Rendered:
    """`subject` for the two mail formats; `errors` are schema errors of OSV/CSAF (empty ⇒ valid)."""

    text: str
    media_type: str
    subject: str | None = None
    errors: tuple[SchemaError, ...] = ()
    warnings: tuple[str, ...] = ()


def render_advisory(
    fmt: AdvisoryFormat, r: RecordInput, settings: RecordSettings, ctx: AdvisoryContext, clock: Clock
) -> Rendered:
    """Generate the CVE record for R and render it as `fmt`; the clock is read only by OSV and CSAF."""
    facts = advisory_facts(r, settings)
    if fmt == "email":
        mail = render_email(facts, ctx)
        return Rendered(settings.redact(mail.body), TEXT, settings.redact(mail.subject))
    if fmt == "spec11":
        mail = render_spec11([facts], ctx)
        return Rendered(settings.redact(mail.body), TEXT, settings.redact(mail.subject))
    if fmt == "osv":
        osv = render_osv(facts, ctx, settings, format_utc(clock()))
        return Rendered(osv.text, JSON, errors=osv.errors, warnings=osv.warnings)
    if fmt == "csaf":
        csaf = render_csaf(facts, ctx, settings, format_utc(clock()))
        return Rendered(csaf.text, JSON, errors=csaf.errors, warnings=csaf.warnings)
    raise ValueError(f"unknown advisory format {fmt!r}; use one of {', '.join(FORMATS)}.")


def scrub_check(text: str, settings: RecordSettings, extra_forbidden_urls: Iterable[str] = ()) -> list[str]:
    """§10.1–10.3: every forbidden URL in an output (tracker, CNA tool, private pattern, or an extra one such as
    the security thread), in order of first appearance; empty when the output may be published.

    Besides the URLs found in the text, the tracker base URL, the CNA tool host and each extra URL are also
    searched as plain substrings (case-insensitive), so a URL glued to other text is still caught.
    """
    found: list[str] = []
    extras = [u for u in (e.strip() for e in extra_forbidden_urls) if u]
    for url in urls_in(text):
        folded = url.casefold()
        if settings.private_url_reason(url) or any(folded.startswith(e.casefold()) for e in extras):
            found.append(url)
    needles = [*extras]
    if settings.tracker_base_url:
        needles.append(settings.tracker_base_url.rstrip("/"))
    if settings.cna_tool_host:
        needles.append(settings.cna_tool_host)
    for needle in needles:
        for hit in re.finditer(re.escape(needle), text, re.IGNORECASE):
            found.append(hit.group(0))
    return list(dict.fromkeys(found))
