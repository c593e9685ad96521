"""`steward advisory ID --format …`: the texts the release manager sends, derived from the CVE record (Step 13)."""

from __future__ import annotations

from dataclasses import dataclass

from steward import ids
from steward.advisories.facts import AdvisoryContext
from steward.advisories.render import Rendered, render_advisory, scrub_check
from steward.app import App
from steward.comms.canned import signature
from steward.domain.credits import parse_credits
from steward.domain.fields import field_value
from steward.domain.lifecycle import State
from steward.domain.roles import Field
from steward.errors import Refused
from steward.records.inputs import RecordInput, urls_in
from steward.records.settings_for import settings_for
from steward.services.facts import parse_stored, state
from steward.services.trackers import normalised_title

SHIPPED = {State.FIX_RELEASED, State.ANNOUNCED, State.CLOSED_ANNOUNCED}


@dataclass(frozen=True)
class Advisory:
    rendered: Rendered
    warnings: tuple[str, ...]


def render_for_tracker(app: App, number: int, fmt: str) -> Advisory:
    app.member()
    with app.store.read(app.slug) as reader:
        row = reader.get_tracker(number)
    parsed = parse_stored(row, app.headings)
    thread = field_value(parsed, Field.SECURITY_THREAD) or ""
    credit = field_value(parsed, Field.REPORTER_CREDIT) or ""
    r = RecordInput.from_body(
        row.body,
        headings=app.headings,
        title=normalised_title(app, row.title).title,
        cve_id=row.cve_id or ids.first_cve(field_value(parsed, Field.CVE_TOOL_LINK) or ""),
        labels=list(row.labels),
        milestone=row.milestone,
        reporter_names=[c.name for c in parse_credits(credit) if c.exports],
    )
    settings = settings_for(app.config)
    ctx = AdvisoryContext(
        project_name=app.config.product.name,
        version_command=app.config.product.version_command,
        upgrade_instructions=app.config.product.upgrade_instructions,
        release_version=row.milestone,
        signature=signature(app.config),
    )
    rendered = render_advisory(fmt, r, settings, ctx, app.clock)  # type: ignore[arg-type]
    leaks = scrub_check(rendered.text + (rendered.subject or ""), settings, tuple(urls_in(thread)))
    if leaks:
        raise Refused(
            f"tracker #{number}: the {fmt} advisory would contain the private URL {leaks[0]!r}; remove it from the "
            "summary or references and render again."
        )
    warnings = list(rendered.warnings)
    if state(app, row) not in SHIPPED:
        warnings.append(
            f"tracker #{number} is {state(app, row).value}: the advisory goes out only with the release (§11.10)."
        )
    return Advisory(rendered, tuple(warnings))
