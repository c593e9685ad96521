"""S8: an empty CWE or Severity takes only a value a roster member stated in a comment, newest statement first.

A CWE statement is a comment with exactly one `ids.cwe` id (written in the catalogue's long form); a severity
statement is a `sync.severity_statement` hit, with any `ids.cvss_vector` of roster comments on later lines.
Reporter and reviewer values are observations, never taken (§8.2): only roster comments are read.
"""

from __future__ import annotations

from steward.domain.fields import is_unset
from steward.domain.roles import Field
from steward.domain.severity import render_cwe, render_severity
from steward.ids import cvss_vectors, cwe_ids
from steward.records.cwe_catalogue import lookup
from steward.store import CommentRow
from steward.sync.comments import roster_statements
from steward.sync.context import SyncContext
from steward.sync.facts import TrackerFacts
from steward.sync.items import Change, SyncItem, item_key


def stated_cwe(comments: list[CommentRow], ctx: SyncContext) -> str | None:
    for comment in reversed(comments):
        found = set(cwe_ids(comment.body))
        if len(found) == 1:
            cwe_id = found.pop()
            known = lookup(cwe_id)
            return known.long_form if known is not None else render_cwe(cwe_id)
        if found:
            return None  # the newest statement names several: ambiguous, so nothing is taken
    return None


def stated_severity(comments: list[CommentRow], ctx: SyncContext) -> str | None:
    entry = ctx.patterns["sync.severity_statement"]
    scale = {s.casefold(): s for s in ctx.config.product.severity_scale}
    rating = None
    for comment in reversed(comments):
        hit = entry.hit(comment.body)
        if hit is not None:
            rating = scale.get(hit.group("value").casefold())
            break
    vectors: list[tuple[str, str]] = []
    for comment in comments:
        vectors += [v for v in cvss_vectors(comment.body) if v not in vectors]
    if rating is None and not vectors:
        return None
    return render_severity(rating, vectors)


def s8_cwe_severity(facts: TrackerFacts, ctx: SyncContext) -> SyncItem | None:
    if facts.life.closed:
        return None
    said = roster_statements(facts.comments, ctx)
    fields: list[tuple[Field, str]] = []
    if facts.value(Field.CWE) is None and (cwe := stated_cwe(said, ctx)):
        fields.append((Field.CWE, cwe))
    severity = facts.value(Field.SEVERITY)
    if (severity is None or is_unset(severity, Field.SEVERITY)) and (value := stated_severity(said, ctx)):
        fields.append((Field.SEVERITY, value))
    if not fields:
        return None
    shown = "; ".join(f"{role.value} → {value.splitlines()[0]}" for role, value in fields)
    return SyncItem(
        facts.number,
        "S8",
        item_key(facts.number, "S8", "|".join(v for _, v in fields)),
        f"{shown} (stated by a roster member)",
        True,
        Change(fields=tuple(fields), regenerate_block=True),
    )
