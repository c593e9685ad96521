"""`steward fix claim` (Step 7) and `steward fix link` (Steps 9–10, T8): who owns the fix, and where it is.

Both are one explicit change whose command line is the confirmation (G1): every
guard, the URL check and the reporter draft are planned before the first write,
so a refusal leaves the store, the audit chain and the drafts folder untouched.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from steward.app import App
from steward.config.model import Member
from steward.domain.fields import field_value, set_field
from steward.domain.lifecycle import State, pr_created_effect
from steward.domain.markers import render_marker
from steward.domain.roles import Field
from steward.domain.rollup import notification_no_event
from steward.domain.versions import NEXT, parse_affected
from steward.errors import Refused, UsageError
from steward.services.facts import parse_stored, state, tracker_facts
from steward.services.import_pr import parse_pr_ref, upstream_of
from steward.services.private_pr import PR_URL, PRIVATE_MARKER, private_pr_recorded, private_urls
from steward.services.reporter_drafts import DraftPlan, plan_draft, write_draft
from steward.services.rollup_log import write_rollup
from steward.services.triage_decide import board_update, label_change, ordered_labels
from steward.store import TrackerRow, Transaction

CLAIMABLE = frozenset({State.ASSESSED, State.CVE_ALLOCATED, State.PR_CREATED, State.PR_MERGED})
"""Steps 7–11 belong to the remediation developer (§1.1); later the RM owns the tracker."""
VALIDATION_CHECKLIST = (
    "static checks (lint, type checks) pass on the private branch",
    "the test suite passes on the private branch, including a regression test for this issue",
    "a roster member other than the author has reviewed the change",
)
"""§11.8: CI does not run on a private fork, so these are done by hand before the branch goes public."""
_GHSA_FORK = re.compile(r"-ghsa(?:-[23456789cfghjmpqrvwx]{4}){3}", re.IGNORECASE)


def display_name(member: Member) -> str:
    return (member.name or member.handle).strip()


def _login(name: str | None) -> str:
    return (name or "").strip().removeprefix("@").casefold()


def _developer_names(value: str | None) -> list[str]:
    return [line.strip().strip("`").lstrip("-*+ ").strip() for line in (value or "").splitlines() if line.strip()]


def _refuse_state(row: TrackerRow, current: State, command: str) -> Refused:
    n = row.number
    if not row.is_open:
        return Refused(f"tracker #{n} is closed ({current.value}); {command} applies to open trackers only.")
    if current is State.NEEDS_TRIAGE:
        return Refused(
            f"tracker #{n} is not yet valid (needs-triage); decide it first with "
            f"steward triage {n} --valid --scope S, then {command}."
        )
    if current is State.DRIFT:
        return Refused(f"tracker #{n} is in drift (its labels match no state); repair them with steward sync {n}.")
    return Refused(
        f"tracker #{n} is {current.value}: the release manager owns it now (§1.1), so {command} no longer applies."
    )


# ---------------------------------------------------------------------------------------------- claim


@dataclass(frozen=True)
class Claimed:
    number: int
    changed: bool
    message: str
    items: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {"tracker": self.number, "changed": self.changed, "message": self.message, "items": list(self.items)}


def claim(app: App, number: int) -> Claimed:
    """Step 7: the acting member becomes the assignee and, when the field is empty, the remediation developer."""
    member = app.member()
    me = member.handle
    with app.store.transaction(app.slug, actor=app.identity, command="fix claim") as tx:
        row = tx.get_tracker(number)
        parsed = parse_stored(row, app.headings)
        current = state(app, row)
        if current not in CLAIMABLE or not row.is_open:
            raise _refuse_state(row, current, f"steward fix claim {number}")
        developer = field_value(parsed, Field.REMEDIATION_DEVELOPER)
        mine = _login(row.assignee) == _login(me)
        if mine and developer is not None:
            return Claimed(number, False, f"#{number} is already claimed by you (@{me}); nothing to do.")
        other = app.config.roster.member(row.assignee) if row.assignee and not mine else None
        if other is not None and developer is not None and display_name(other) in _developer_names(developer):
            raise Refused(
                f"tracker #{number} is claimed by @{other.handle} (assignee and remediation developer); steward never "
                f"overrides a human-set assignee (§2.10) — ask @{other.handle} to hand it over."
            )
        items: list[str] = []
        changes: dict[str, Any] = {}
        if not mine:
            changes["assignee"] = me
            items.append(f"assignee: {'@' + row.assignee if row.assignee else 'none'} → @{me}")
        if developer is None:
            body = set_field(row.body, Field.REMEDIATION_DEVELOPER, display_name(member), app.headings)
            body = _regenerated(app, replace(row, body=body))
            changes["body"] = body
            items.append(f"remediation-developer: {display_name(member)}")
        tx.update_tracker(number, **changes)
        tx.audit(
            number,
            f"{number}:claim:{_login(me)}",
            {"assignee": row.assignee, "remediation_developer": developer},
            {"assignee": me, "remediation_developer": developer or display_name(member)},
        )
        write_rollup(
            tx, app, number, action=f"Fix claimed (@{me})", headline=f"@{me} claimed the fix.",
            items=items, next_move=f"write the fix, then link the PR — @{me} (steward fix link {number} URL)",
            notification=notification_no_event(),
        )  # fmt: skip
    return Claimed(number, True, f"#{number}: claimed by @{me}.", tuple(items))


def _regenerated(app: App, row: TrackerRow) -> str:
    """§2.7: the embedded block follows every field change when the tracker has a CVE."""
    cve = row.cve_id
    if not cve:
        return row.body
    from steward.services.cve_allocation import regenerate_block

    body, _built = regenerate_block(app, row, cve)
    return body


# ---------------------------------------------------------------------------------------------- link


@dataclass(frozen=True)
class Linked:
    number: int
    url: str
    changed: bool
    message: str
    items: tuple[str, ...] = ()
    notification: str | None = None
    draft_key: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "tracker": self.number,
            "url": self.url,
            "changed": self.changed,
            "message": self.message,
            "items": list(self.items),
            "notification": self.notification,
            "draft_key": self.draft_key,
        }


def upstream_pr_url(app: App, url: str) -> str:
    """The canonical URL of a PR on `<upstream>`; anything else is exit 2 with a sentence."""
    upstream = upstream_of(app)
    hint = f"give a pull request URL on {upstream} (tracker.upstream_repo), e.g. https://github.com/{upstream}/pull/N"
    if "://" not in url:
        raise UsageError(f"{url!r} is not a URL; {hint}.")
    try:
        number = parse_pr_ref(url, upstream)
    except UsageError:
        raise UsageError(f"{url!r} is not a pull request on {upstream}; {hint}.") from None
    return f"https://github.com/{upstream}/pull/{number}"


def private_pr_url(app: App, url: str) -> str:
    """§11.8: a PR on `<tracker>` (tracker.repo) or on a GHSA temporary private fork of `<upstream>`."""
    upstream = upstream_of(app)
    tracker_repo = app.config.tracker.repo
    found = PR_URL.fullmatch(url.strip().strip("<>"))
    if found is not None:
        repo = found.group("repo").casefold()
        owner, _, name = upstream.casefold().partition("/")
        on_tracker = tracker_repo is not None and "/" in tracker_repo and repo == tracker_repo.casefold()
        fork = repo.startswith(f"{owner}/{name}-") and _GHSA_FORK.fullmatch(repo[len(owner) + len(name) + 1 :])
        if on_tracker or fork:
            return f"https://github.com/{found.group('repo')}/pull/{int(found.group('n'))}"
    where = f"{tracker_repo} (tracker.repo) or " if tracker_repo and "/" in tracker_repo else ""
    raise UsageError(
        f"{url!r} is not a private fix PR; --private takes a pull request URL on {where}a GHSA temporary private "
        f"fork of {upstream} (https://github.com/{upstream}-ghsa-xxxx-xxxx-xxxx/pull/N)."
    )


def pr_urls(value: str | None) -> list[str]:
    """The URLs in `pr-with-fix`, one per line (a `(closed unmerged)` note after a URL is kept out)."""
    return [line.split()[0] for line in (value or "").splitlines() if "://" in line and line.split()]


def resolve_milestone(app: App, row: TrackerRow, parsed_value: str | None, existing: Iterable[str]) -> str | None:
    """§2.9 at link time: only the `version` scheme, from one real Affected-versions upper bound that names an
    existing milestone; a train needs the merge date, and a missing milestone is proposed by sync, never guessed."""
    scopes = app.labels.scope_labels(row.labels)
    scope = app.config.scopes().get(scopes[0]) if len(scopes) == 1 else None
    if scope is None or scope.milestone_scheme != "version" or not parsed_value:
        return None
    scheme = app.config.product.version_scheme
    parsed = parse_affected(parsed_value, lambda _package: scheme)
    uppers = {line.upper for line in parsed.lines if line.upper is not None and line.upper is not NEXT}
    if parsed.errors or len(uppers) != 1:
        return None
    (upper,) = uppers
    return str(upper) if str(upper) in set(existing) else None


def _milestone_item(app: App, tx: Transaction, row: TrackerRow, affected: str | None) -> tuple[str | None, str]:
    if row.milestone:
        return None, f"milestone: {row.milestone} (kept)"
    found = resolve_milestone(app, row, affected, (m.title for m in tx.list_milestones()))
    if found is None:
        return None, "milestone: not resolvable yet (§2.9); sync proposes it"
    return found, f"milestone: {found}"


def link(app: App, number: int, url: str, *, private: bool = False) -> Linked:
    """T8 (`fix link ID URL`) or the Step-9 private record (`--private`)."""
    app.member()
    canonical = private_pr_url(app, url) if private else upstream_pr_url(app, url)
    if private:
        return _link_private(app, number, canonical)
    with app.store.transaction(app.slug, actor=app.identity, command="fix link") as tx:
        row = tx.get_tracker(number)
        parsed = parse_stored(row, app.headings)
        present = pr_urls(field_value(parsed, Field.PR_WITH_FIX))
        if canonical.casefold() in {u.rstrip("/").casefold() for u in present}:
            return Linked(number, canonical, False, f"#{number} already links {canonical}; nothing to do.")
        current = state(app, row)
        if not row.is_open or current not in CLAIMABLE:
            facts = tracker_facts(app, row, parsed)
            if row.is_open and current is not State.DRIFT:
                pr_created_effect(replace(facts, has_pr_url=True), app.labels)  # T8's own refusal names the rule
            raise _refuse_state(row, current, f"steward fix link {number} URL")
        value = "\n".join([*present, canonical]) if present else canonical
        body = set_field(row.body, Field.PR_WITH_FIX, value, app.headings)
        if current in (State.PR_CREATED, State.PR_MERGED):
            return _link_another(app, tx, row, body, canonical)
        facts = replace(tracker_facts(app, row, parsed), has_pr_url=True)
        effect = pr_created_effect(facts, app.labels)
        milestone, milestone_item = _milestone_item(app, tx, row, field_value(parsed, Field.AFFECTED_VERSIONS))
        labels = ordered_labels(row, effect.labels)
        new_row = replace(row, body=body, labels=tuple(labels), milestone=milestone or row.milestone)
        draft = plan_draft(app, tx, new_row, parse_stored(new_row, app.headings), "fix-pr-opened",
                           {"PR_URL": canonical}, target=canonical)  # fmt: skip
        column, board_item = board_update(app, row, effect)
        body = _regenerated(app, new_row)
        changes: dict[str, Any] = {"body": body, "labels": labels, "board_column": column}
        items = [f"pr-with-fix: {canonical}", f"labels {label_change(effect)} (T8)"]
        if row.assignee is None:
            changes["assignee"] = app.identity
            items.append(f"assignee: @{app.identity}")
        if milestone is not None:
            changes["milestone"] = milestone
        items += [milestone_item, board_item]
        tx.update_tracker(number, **changes)
        tx.audit(number, f"{number}:pr-with-fix:{canonical}", field_value(parsed, Field.PR_WITH_FIX), value)
        tx.audit(number, f"{number}:T8", list(row.labels), labels)
        key = write_draft(app, tx, number, draft)
        _rollup_link(app, tx, number, canonical, items=items, draft=draft)
    return Linked(
        number, canonical, True, f"#{number}: {canonical} linked (T8).", tuple(items), draft.notification, key
    )


def _link_another(app: App, tx: Transaction, row: TrackerRow, body: str, url: str) -> Linked:
    """A further PR (a backport, a follow-up) on a tracker already past T8: the field only, no label, no draft."""
    number = row.number
    body = _regenerated(app, replace(row, body=body))
    tx.update_tracker(number, body=body)
    tx.audit(number, f"{number}:pr-with-fix:{url}", None, url)
    items = [f"pr-with-fix: + {url}", "labels unchanged (already past T8)"]
    note = notification_no_event()
    write_rollup(
        tx, app, number, action=f"Fix PR ({_ref(app, url)})", headline=f"Another fix PR linked: {url}.",
        items=items, next_move="unchanged", notification=note,
    )  # fmt: skip
    return Linked(number, url, True, f"#{number}: {url} added to the PR field.", tuple(items), note)


def _ref(app: App, url: str) -> str:
    found = PR_URL.fullmatch(url)
    return f"{found.group('repo')}#{found.group('n')}" if found else url


def _rollup_link(app: App, tx: Transaction, number: int, url: str, *, items: Sequence[str], draft: DraftPlan) -> None:
    write_rollup(
        tx, app, number, action=f"Fix PR ({_ref(app, url)})", headline=f"Fix PR linked: {url}.",
        items=[*items, *(f"draft warning: {w}" for w in draft.warnings)],
        next_move=f"review and merge the PR — remediation developer (steward sync {number} sees the merge)",
        notification=draft.notification,
    )  # fmt: skip


def private_comment(url: str) -> str:
    lines = [
        render_marker(PRIVATE_MARKER),
        f"**Private fix PR recorded:** {url}",
        "",
        "CI does not run on the private branch; complete this checklist before the branch goes public (§11.8):",
        "",
        *(f"- [ ] {item}" for item in VALIDATION_CHECKLIST),
    ]
    return "\n".join(lines) + "\n"


def _link_private(app: App, number: int, url: str) -> Linked:
    with app.store.transaction(app.slug, actor=app.identity, command="fix link --private") as tx:
        row = tx.get_tracker(number)
        parse_stored(row, app.headings)
        current = state(app, row)
        if not row.is_open or current not in CLAIMABLE:
            raise _refuse_state(row, current, f"steward fix link {number} URL --private")
        trusted = [m.handle for m in app.config.roster.members] + list(app.config.tracker.bot_logins)
        if url in private_urls(tx.list_comments(number), [*trusted, app.identity]):
            return Linked(number, url, False, f"#{number} already records the private PR {url}; nothing to do.")
        body = private_comment(url)
        posted = tx.add_comment(number, app.identity, body)
        tx.audit(number, f"{number}:private-pr:{url}", None, body)
        items = [f"private PR: {url} (comment {posted.id})", f"validation checklist: {len(VALIDATION_CHECKLIST)} open"]
        write_rollup(
            tx, app, number, action=f"Fix PR (private, {_ref(app, url)})", headline=f"Private fix PR recorded: {url}.",
            items=items,
            next_move=f"complete the checklist, then publish the branch — remediation developer "
                      f"(steward fix link {number} URL)",
            notification=notification_no_event(),
        )  # fmt: skip
    return Linked(number, url, True, f"#{number}: private PR {url} recorded with its checklist.", tuple(items))


__all__ = [
    "CLAIMABLE",
    "PRIVATE_MARKER",
    "Claimed",
    "Linked",
    "claim",
    "link",
    "private_pr_recorded",
    "private_pr_url",
    "private_urls",
    "resolve_milestone",
    "upstream_pr_url",
]
