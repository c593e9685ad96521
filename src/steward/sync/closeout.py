"""The Step-14 combined close-out of spec §8.8: triggered by the archived announcement (its permalink is the
advisory URL) or by an advisory URL the operator supplies (`--advisory-url`).

One item, applied as ordered steps that each check their own postcondition, so a re-run resumes where a failed
run stopped. Step 2 (summary extraction) needs the archived mail itself: it runs when the archive returned the
announcement and a summary could be extracted, and is skipped with a note otherwise. When `push_update` or
`publish()` fails, or publication is manual, the run stops after step 4 with the publication-ready comment and
the tracker stays at `announced`; the next run (or `steward cve publish`) resumes at step 5.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from steward.app import App
from steward.cna.interface import CveToolError, NotApplicable
from steward.domain.board import column_for
from steward.domain.fields import field_value, parse_fields, set_field
from steward.domain.lifecycle import RecordState, State, close_out_effect
from steward.domain.markers import first_line, parse_marker, render_marker
from steward.domain.roles import Column, Field
from steward.errors import StewardError
from steward.services.reporter_drafts import one_line, plan_draft, write_draft
from steward.services.rollup_log import write_rollup
from steward.store import TrackerRow, Transaction
from steward.sync.context import SyncContext
from steward.sync.facts import TrackerFacts
from steward.sync.items import Change, SyncItem, item_key
from steward.sync.rules.s17_cve_json import regenerate

RULE = "close-out"
PUBLICATION_READY = "release-manager-publication-ready"
WRAP_UP = "release-manager-wrap-up"
_FROM = frozenset({State.FIX_RELEASED, State.ANNOUNCED})


def advisory_url_of(facts: TrackerFacts) -> str | None:
    """The operator's URL wins over the archive's permalink (the operator may know the canonical one)."""
    if facts.operator.advisory_url is not None:
        return facts.operator.advisory_url
    return facts.announcement.permalink if facts.announcement is not None else None


def archived_summary(facts: TrackerFacts) -> str | None:
    """The §8.8 step-2 summary, only when it differs from the tracker's `public-summary`."""
    found = facts.announcement
    if found is None or found.summary is None:
        return None
    return found.summary if (facts.value(Field.PUBLIC_SUMMARY) or "").strip() != found.summary else None


def closeout_item(facts: TrackerFacts, ctx: SyncContext) -> SyncItem | None:
    """The §8.8 item when the advisory is archived (or the operator named it) and the tracker is at `fix
    released` or `announced`."""
    url = advisory_url_of(facts)
    if url is None or facts.state not in _FROM or facts.cve_id is None:
        return None
    resume = " (resuming at the publication step)" if facts.state is State.ANNOUNCED else ""
    source = "" if facts.operator.advisory_url is not None else " (archived announcement)"
    summary = archived_summary(facts)
    fields = ((Field.PUBLIC_ADVISORY_URL, url),) + (((Field.PUBLIC_SUMMARY, summary),) if summary else ())
    notes = (f"advisory URL {url}",) + (("public summary taken from the archived announcement",) if summary else ())
    return SyncItem(
        facts.number,
        RULE,
        item_key(facts.number, RULE, f"{facts.cve_id}:{url}"),
        f"Step-14 close-out of {facts.cve_id} with advisory {url}{source}{resume}",
        True,
        Change(fields=fields, notes=notes),
    )


def closeout_target(item: SyncItem) -> tuple[str, str | None]:
    """(advisory URL, archived summary) a close-out item carries to `run_closeout`."""
    values = dict(item.change.fields)
    return values[Field.PUBLIC_ADVISORY_URL], values.get(Field.PUBLIC_SUMMARY)


@dataclass(frozen=True)
class CloseOutResult:
    tracker: int
    steps: tuple[str, ...]
    completed: bool
    stopped: str | None = None


def _marker_comment(tx: Transaction, number: int, name: str) -> tuple[int, str] | None:
    for comment in tx.list_comments(number):
        marker = parse_marker(first_line(comment.body))
        if marker is not None and marker.name == name:
            return comment.id, comment.body
    return None


def _post_once(tx: Transaction, app: App, number: int, name: str, body: str, *, patch: bool) -> str:
    found = _marker_comment(tx, number, name)
    if found is None:
        tx.add_comment(number, app.identity, body)
        return "posted"
    if patch and found[1] != body:
        tx.update_comment(found[0], body)
        return "updated"
    return "unchanged"


def _publication_ready(app: App, tx: Transaction, row: TrackerRow, cve: str, why: str) -> str:
    body = "\n".join(
        [
            render_marker(PUBLICATION_READY),
            f"**{cve}: manual publication needed.**",
            "",
            f"- missing: {one_line(why)}",
            "- finish by hand: promote and publish the record in the CNA tool,",
            f"  or run `steward cve publish {row.number}`;",
            f"  then `steward sync {row.number} --advisory-url URL` completes the close-out.",
        ]
    )
    return _post_once(tx, app, row.number, PUBLICATION_READY, body, patch=True)


def _wrap_up(app: App, tx: Transaction, row: TrackerRow, cve: str, milestone_closed: bool) -> str:
    timeline = [f"- {e.at.date().isoformat()} · {e.command} · {e.item_key}" for e in tx.list_audit(row.number)]
    lines = [render_marker(WRAP_UP), f"**{cve}: lifecycle complete.**", "", "Timeline (audit log):", *timeline[-20:]]
    if milestone_closed and row.milestone:
        lines.append(f"Milestone {row.milestone} closed: no open tracker remains on it.")
    return _post_once(tx, app, row.number, WRAP_UP, "\n".join(lines), patch=False)


def _publish(app: App, tx: Transaction, row: TrackerRow, cve: str, ctx: SyncContext) -> str | None:
    """Steps 5 and 6; the reason publication did not happen, or None when the record is public."""
    from steward.services.cna_tools import tool_for

    if app.config.cve_authority.publication_propagation == "manual":
        return "cve_authority.publication_propagation is manual"
    _, built = regenerate(row, cve, ctx, tx.list_comments(row.number))
    if built.strict_refusal:
        return f"the record cannot be pushed: {built.strict_refusal}"
    tool = tool_for(app, tx)
    try:
        if tool.fetch_current_state(cve).state is RecordState.PUBLIC:
            return None
        tool.push_update(cve, built.generated.record, RecordState(built.generated.state))
        tool.publish(cve)
    except NotApplicable:
        return None  # `none`: no CNA record to publish
    except (CveToolError, StewardError) as exc:
        return f"push_update/publish failed: {exc}"
    return None


def _close_milestone(tx: Transaction, row: TrackerRow) -> bool:
    if row.milestone is None:
        return False
    still_open = [t for t in tx.list_trackers(open_only=True) if t.milestone == row.milestone]
    found = tx.get_milestone(row.milestone)
    if still_open or found is None or found.state == "closed":
        return False
    tx.upsert_milestone(row.milestone, due_on=found.due_on, state="closed")
    return True


def _summary_step(body: str, summary: str | None, ctx: SyncContext) -> tuple[str, str]:
    if summary is None:
        return body, "2 summary extraction skipped: no summary from an archived announcement"
    new = set_field(body, Field.PUBLIC_SUMMARY, summary, ctx.headings)
    return new, "2 public summary set from the archived announcement" if new != body else "2 summary unchanged"


def run_closeout(  # noqa: PLR0917 - the steps read top to bottom as §8.8 lists them
    app: App,
    tx: Transaction,
    number: int,
    url: str,
    ctx: SyncContext,
    released: str | None = None,
    summary: str | None = None,
) -> CloseOutResult:
    row = tx.get_tracker(number)
    cve = row.cve_id or ""
    steps: list[str] = []
    body = set_field(row.body, Field.PUBLIC_ADVISORY_URL, url, ctx.headings)  # (1)
    steps.append("1 advisory URL set" if body != row.body else "1 advisory URL already set")
    body, step = _summary_step(body, summary, ctx)  # (2)
    steps.append(step)
    from steward.services.facts import tracker_facts

    facts = tracker_facts(app, replace(row, body=body), parse_fields(body, ctx.headings))
    labels = set(row.labels)
    if facts.state(ctx.labels) is State.FIX_RELEASED:  # (3)
        effect = close_out_effect(facts, ctx.labels, archived=True, close=False)
        labels = set(effect.labels)
        steps.append(
            "3 labels: "
            + ", ".join([f"+{a}" for a in sorted(effect.added)] + [f"-{r}" for r in sorted(effect.removed)])
        )
    else:
        steps.append("3 labels already announced")
    ordered = [n for n in row.labels if n in labels] + sorted(labels - set(row.labels))
    staged = replace(row, body=body, labels=tuple(ordered))
    body, _ = regenerate(staged, cve, ctx, tx.list_comments(row.number))  # (4)
    staged = replace(staged, body=body)
    steps.append("4 CVE JSON regenerated")
    previous = Column(row.board_column) if row.board_column in set(Column) else None
    column = column_for(ordered, False, previous, ctx.labels).value if ctx.board_enabled else row.board_column
    tx.update_tracker(number, body=body, labels=ordered, board_column=column)  # the column follows the labels
    tx.audit(number, item_key(number, RULE, f"{cve}:announced"), row.labels, ordered)
    stopped = _publish(app, tx, staged, cve, ctx)  # (5), (6)
    if stopped is not None:
        steps.append(f"publication-ready comment {_publication_ready(app, tx, staged, cve, stopped)}")
        write_rollup(
            tx, app, number, action=f"Close-out ({cve})", headline=f"{cve} announced; publication pending.",
            items=[*steps, f"stopped after step 4: {one_line(stopped)}"],
            next_move=f"publish the record — release manager (steward cve publish {number})",
            notification="No reporter notification: no reporter-facing event.",
        )  # fmt: skip
        return CloseOutResult(number, tuple(steps), False, stopped)
    steps += ["5 record pushed", "6 record public"]
    steps.append(f"7 board: {column}")  # (7), already set with the labels
    tx.update_tracker(number, board_column=column, closed=True, close_reason="completed")  # (8)
    tx.audit(number, item_key(number, RULE, f"{cve}:closed"), "open", "closed completed")
    steps += ["8 closed completed", "9 board item archived"]
    closed_ms = _close_milestone(tx, staged)  # (10)
    if closed_ms:
        steps.append(f"10 milestone {staged.milestone} closed")
    steps.append(f"11 wrap-up comment {_wrap_up(app, tx, staged, cve, closed_ms)}")
    advisory = field_value(parse_fields(body, ctx.headings), Field.PUBLIC_ADVISORY_URL) or url
    values = {
        "PACKAGE": ctx.config.product.package_name or ctx.config.product.name,
        "VERSION": released or staged.milestone or "the fixed release",
        "RELEASE_URL": advisory,
        "CVE_ID": cve,
        "ADVISORY_URL": advisory,
    }
    plan = plan_draft(app, tx, staged, parse_fields(body, ctx.headings), "release-shipped-advisory-sent", values,
                      target=cve)  # fmt: skip
    key = write_draft(app, tx, number, plan)  # (12)
    steps.append(f"12 draft release-shipped-advisory-sent: {key or 'none'}")
    write_rollup(
        tx, app, number, action=f"Close-out ({cve})", headline=f"{cve} announced and published; tracker closed.",
        items=steps, next_move="verify the record on cve.org — release manager",
        notification=plan.notification,
    )  # (13)  # fmt: skip
    return CloseOutResult(number, tuple(steps), True)
