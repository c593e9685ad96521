"""`steward import pr`: a tracker opened from a public upstream PR (spec §5.14, T3).

The PR is already public, so the tracker starts at `pr created` / `pr merged` with its scope, never
`needs triage`; it has no reporter and gets no outreach (§9.1), and steward never comments on the PR. Every
blocker (another repository, several scopes, no milestone, an already-tracked PR) is found while gathering,
so a refusal writes nothing (G1).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from steward.app import App
from steward.codehost.interface import CodeHost, PullRequest
from steward.config.model import Scope
from steward.domain.board import column_for
from steward.domain.credits import classify_kind
from steward.domain.fields import BodyFormatError, render_body
from steward.domain.lifecycle import import_pr_labels
from steward.domain.roles import NO_RESPONSE, SEVERITY_UNSET, Field
from steward.domain.rollup import notification_no_reporter
from steward.domain.threads import render_thread, sentinel_pr
from steward.domain.titles import TitleResult, normalise_title
from steward.errors import ConfigError, Refused, UsageError
from steward.intake.display import safe_terminal
from steward.intake.sanitise import sanitise_body
from steward.patterns import PatternSet, norm
from steward.services import selector as sel
from steward.services.rollup_log import write_rollup
from steward.store import Reader, Transaction

MIN_TITLE = 25
MAX_TITLE = 256
NO_FINDER = "N/A — no finder credit (imported from public PR)"
RELATED = "Related references"
_REF = re.compile(
    r"(?:https?://(?P<host>[^/\s]+)/)?(?P<repo>[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)(?:/pull/|#)(?P<number>[0-9]+)"
    r"(?:/[^\s]*)?/?"
)


@dataclass(frozen=True)
class PrProposal:
    upstream: str
    pr: PullRequest
    scope: str
    milestone: str
    milestone_new: bool
    title: TitleResult
    title_short: bool
    values: dict[Field, str]
    labels: tuple[str, ...]
    column: str
    needs_confirmation: str | None
    notes: tuple[str, ...] = ()
    duplicates: tuple[int, ...] = ()
    code_paths: tuple[str, ...] = field(default=())

    @property
    def url(self) -> str:
        return f"https://github.com/{self.upstream}/pull/{self.pr.number}"


@dataclass(frozen=True)
class PrResult:
    tracker: int
    title: str

    def as_json(self) -> dict[str, Any]:
        return {"tracker": self.tracker, "title": self.title}


# ---------------------------------------------------------------------------------------------- gathering


def upstream_of(app: App) -> str:
    upstream = app.config.tracker.upstream_repo
    if upstream.casefold().startswith("invalid/"):
        raise ConfigError(
            f"tracker.upstream_repo is still the placeholder {upstream!r}; set it to the public code repository "
            f"(owner/name) in {app.loaded.path}."
        )
    return upstream


def parse_pr_ref(text: str, upstream: str) -> int:
    """A PR number, `#N`, `<upstream>#N` or a PR URL on `<upstream>`; anything else is a usage error."""
    value = text.strip().strip("<>")
    bare = value.removeprefix("#")
    if bare.isdigit() and bare.isascii():
        return _number(bare, text)
    found = _REF.fullmatch(value)
    if found is None:
        raise UsageError(f"{text!r} is not a PR number, {upstream}#N or a PR URL on {upstream}; give one of those.")
    host = (found.group("host") or "github.com").casefold()
    if found.group("repo").casefold() != upstream.casefold() or host not in ("github.com", "www.github.com"):
        where = found.group("repo") if host in ("github.com", "www.github.com") else f"{host}/{found.group('repo')}"
        raise UsageError(
            f"{text!r} is a PR on {where}, not on {upstream} (tracker.upstream_repo); "
            "import pr only takes upstream PRs."
        )
    return _number(found.group("number"), text)


def _number(digits: str, text: str) -> int:
    number = int(digits)
    if not 0 < number < 2**31:
        raise UsageError(f"{text!r} is not a PR number; give a positive number.")
    return number


def tracking_trackers(app: App, reader: Reader | Transaction, number: int) -> list[int]:
    """Trackers whose body holds an `ids.upstream_pr_ref` with this number (compared as an integer)."""
    entry = app.patterns["ids.upstream_pr_ref"]
    return [
        row.number
        for row in reader.list_trackers()
        if any(int(hit.group("number")) == number for _, hit in entry.hits(row.body))
    ]


def code_paths(files: Sequence[str], patterns: PatternSet) -> list[str]:
    tests = patterns["scope_detection.test_path_pattern"]
    return [path for path in files if tests.hit(path) is None]


def scopes_for(paths: Sequence[str], scopes: Mapping[str, Scope]) -> list[str]:
    """Scopes whose `path_prefix` matches at the start of a changed path; a lone scope without one takes all."""
    if len(scopes) == 1:
        name, scope = next(iter(scopes.items()))
        if scope.path_prefix is None:
            return [name] if paths else []
    found: list[str] = []
    for name, scope in scopes.items():
        if scope.path_prefix is None:
            continue
        pattern = re.compile(scope.path_prefix)
        if any(pattern.match(path) for path in paths) and name not in found:
            found.append(name)
    return found


def strip_title(title: str, patterns: PatternSet) -> str:
    """`import_pr.title_strip` hits removed until none is left."""
    entry = patterns["import_pr.title_strip"]
    current = norm(" ".join(title.split()))
    for _ in range(10):
        following = current
        for _, pattern in entry.patterns:
            following = " ".join(pattern.sub(" ", following).split())
        if following == current:
            break
        current = following
    return current


def pr_title(app: App, raw: str) -> TitleResult:
    text = strip_title(" ".join(safe_terminal(raw).split())[:MAX_TITLE], app.patterns)
    return normalise_title(text or raw, app.patterns, app.config.product.subject_prefix_strip)


def _final(result: TitleResult) -> str:
    return result.original if result.over_strip else result.title


def _remediation(app: App, pr: PullRequest) -> tuple[str, tuple[str, ...]]:
    name = " ".join(safe_terminal(pr.author_name or "").split()) or pr.author_login
    if not name:
        return NO_RESPONSE, ()
    if classify_kind(name, app.patterns, pr.author_login) == "tool":
        return NO_RESPONSE, (f"skipped credit: {name} (bot)",)
    return name, ()


def gather_pr(app: App, host: CodeHost, ref: str, *, force: bool = False) -> PrProposal:
    """Read the PR and plan the tracker; every §5.14 blocker raises Refused (exit 3) before anything is written."""
    upstream = upstream_of(app)
    number = parse_pr_ref(ref, upstream)
    pr = host.get_pr(number)
    with app.store.read(app.slug) as reader:
        duplicates = tracking_trackers(app, reader, number)
        milestones = {m.title for m in reader.list_milestones()}
    if duplicates and not force:
        listed = ", ".join(f"#{n}" for n in duplicates)
        raise Refused(
            f"{upstream}#{number} is already referenced by tracker {listed} (ids.upstream_pr_ref); "
            "update that tracker, or pass --force to import the PR again."
        )
    paths = code_paths(pr.files, app.patterns)
    scopes = app.config.scopes()
    found = scopes_for(paths, scopes)
    if len(found) != 1:
        if found:
            raise Refused(
                f"{upstream}#{number} changes code in {len(found)} scopes ({', '.join(found)}); a tracker has exactly "
                "one scope — import it once per scope by hand with steward new, or split the PR."
            )
        raise Refused(
            f"{upstream}#{number} changes no path matching a scope's path_prefix (tests excluded: "
            f"{len(pr.files) - len(paths)} of {len(pr.files)} files); set scope_detection.labels.<scope>.path_prefix."
        )
    scope = found[0]
    if scopes[scope].milestone_scheme != "version":
        raise Refused(
            f"scope {scope} uses milestone_scheme train; import pr resolves only the version scheme (the PR's own "
            "milestone) — create the tracker with steward new."
        )
    if pr.milestone is None or not pr.milestone.title.strip():
        raise Refused(
            f"{upstream}#{number} has no milestone, so the fix release cannot be resolved (§2.9); set the PR's "
            "milestone upstream, then re-run."
        )
    milestone = pr.milestone.title.strip()
    title = pr_title(app, pr.title)
    sanitised = sanitise_body(pr.body, app.patterns)
    description = f"> **Imported from public PR {upstream}#{number}**\n\n{sanitised.text}".rstrip()
    developer, credit_notes = _remediation(app, pr)
    values = dict.fromkeys(Field, NO_RESPONSE)
    values.update(
        {
            Field.ISSUE_DESCRIPTION: description,
            Field.SECURITY_THREAD: render_thread(sentinel_pr(upstream, number, app.config.security_inbox.address)),
            Field.PR_WITH_FIX: f"https://github.com/{upstream}/pull/{number}",
            Field.REMEDIATION_DEVELOPER: developer,
            Field.REPORTER_CREDIT: NO_FINDER,
            Field.SEVERITY: SEVERITY_UNSET,
        }
    )
    labels = import_pr_labels(
        app.labels, scope, pr.merged, app.config.disclosure.default_tlp, untracked=True, milestone_resolvable=True
    )
    ordered = tuple(sorted(labels, key=lambda name: (name.startswith("TLP:"), name)))
    column = column_for(labels, False, None, app.labels)
    confirm = None
    if pr.state == "closed" and not pr.merged:
        confirm = f"{upstream}#{number} was closed without being merged; confirm with --apply 1 to import it anyway."
    return PrProposal(
        upstream=upstream,
        pr=pr,
        scope=scope,
        milestone=milestone,
        milestone_new=milestone not in milestones,
        title=title,
        title_short=len(_final(title)) < MIN_TITLE,
        values=values,
        labels=ordered,
        column=column.value,
        needs_confirmation=confirm,
        notes=(*sanitised.notes, *credit_notes),
        duplicates=tuple(duplicates),
        code_paths=tuple(paths),
    )


# ---------------------------------------------------------------------------------------------- rendering


def proposal_json(p: PrProposal) -> dict[str, Any]:
    return {
        "upstream": p.upstream,
        "pr": p.pr.number,
        "url": p.url,
        "state": "merged" if p.pr.merged else p.pr.state,
        "scope": p.scope,
        "milestone": p.milestone,
        "milestone_new": p.milestone_new,
        "title": _final(p.title),
        "original_title": p.pr.title,
        "title_too_short": p.title_short,
        "labels": list(p.labels),
        "board": p.column,
        "remediation_developer": p.values[Field.REMEDIATION_DEVELOPER],
        "needs_confirmation": p.needs_confirmation,
        "duplicates": list(p.duplicates),
        "notes": list(p.notes),
        "code_paths": list(p.code_paths),
    }


def render_pr(p: PrProposal) -> str:
    state = "merged" if p.pr.merged else p.pr.state
    lines = [
        f"Import from public PR {p.upstream}#{p.pr.number} ({state}, base {safe_terminal(p.pr.base)}):",
        f"1. create tracker {safe_terminal(_final(p.title))!r}",
        f"   scope: {p.scope}   milestone: {safe_terminal(p.milestone)}{' (new)' if p.milestone_new else ''}",
        f"   labels: {', '.join(p.labels)}   board: {p.column}",
        f"   remediation developer: {safe_terminal(p.values[Field.REMEDIATION_DEVELOPER])}",
        "   no reporter, no outreach, no comment on the PR.",
    ]
    if p.title.changed:
        lines.append(f"   title from {safe_terminal(p.pr.title)!r}")
    if p.title_short:
        lines.append(
            f"   title is under {MIN_TITLE} characters; give a longer one with --apply '1:edit title=<title>'."
        )
    if p.duplicates:
        lines.append(f"   --force: already referenced by {', '.join(f'#{n}' for n in p.duplicates)}")
    if p.needs_confirmation:
        lines.append(f"   {p.needs_confirmation}")
    lines += [f"   note: {safe_terminal(n)}" for n in p.notes]
    lines.append("Apply with --apply 1 (or all).")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------- apply


def _title_for(app: App, p: PrProposal, actions: Sequence[sel.Action]) -> str:
    title = _final(p.title)
    for action in actions:
        if isinstance(action, sel.Edit):
            if action.field != "title":
                raise UsageError(f"--apply 1:edit {action.field}=… is not editable in import pr; only title is.")
            title = _final(pr_title(app, action.value))
        elif not isinstance(action, sel.ActAll | sel.ActPick):
            raise UsageError(
                f"--apply 1:{sel.render_action(action)} does not apply to import pr; use 1 or 1:edit title=…."
            )
    if len(title) < MIN_TITLE:
        raise Refused(
            f"title {title!r} is under {MIN_TITLE} characters after the title rules; give a longer one with "
            "--apply '1:edit title=<component>: <what is fixed>'."
        )
    return title


def apply_pr(app: App, p: PrProposal, selection: sel.Selection, *, force: bool = False) -> PrResult | None:
    """Create the tracker when item 1 is chosen; None when the selection chose nothing."""
    app.member()
    resolved = sel.resolve(selection, 1, [] if p.needs_confirmation else [1])
    if 1 not in resolved.chosen:
        return None
    title = _title_for(app, p, resolved.actions.get(1, ()))
    stripped = [(RELATED, "\n".join(f"- {token}" for token in p.title.stripped))] if p.title.stripped else []
    try:
        body = render_body(p.values, app.headings, stripped)
    except BodyFormatError as exc:
        raise UsageError(f"{p.upstream}#{p.pr.number}: {exc}") from exc
    with app.store.transaction(app.slug, actor=app.identity, command="import pr") as tx:
        if not force and tracking_trackers(app, tx, p.pr.number):
            raise Refused(f"{p.upstream}#{p.pr.number} was tracked meanwhile; re-run to see the tracker.")
        items = [f"labels: {', '.join(p.labels)}", f"board: {p.column}", f"milestone: {p.milestone}"]
        if tx.get_milestone(p.milestone) is None:
            due = p.pr.milestone.due_on if p.pr.milestone else None
            state = p.pr.milestone.state if p.pr.milestone and p.pr.milestone.state in ("open", "closed") else "open"
            tx.upsert_milestone(p.milestone, due_on=due, state=state)
            tx.audit(None, f"milestone:{p.milestone}:create", None, {"title": p.milestone, "due_on": str(due)})
            items.append(f"milestone {p.milestone} created (due {due or 'unset'}, copied from upstream)")
        row = tx.create_tracker(title, body, p.labels, p.column, None, p.scope, milestone=p.milestone)
        tx.audit(row.number, f"pr:{p.upstream}#{p.pr.number}:create", None, {"title": title, "body": body})
        write_rollup(
            tx,
            app,
            row.number,
            action=f"Import from PR ({p.scope}, {p.upstream}#{p.pr.number})",
            headline=f"Tracker opened from public PR {p.upstream}#{p.pr.number} as {title!r}.",
            items=[*items, *p.notes],
            next_move=f"CVE decision — @{app.identity} (steward cve allocate {row.number})",
            notification=notification_no_reporter("import-from-pr"),
        )
    return PrResult(row.number, title)


def github_code_host(app: App, env: Mapping[str, str] | None = None) -> CodeHost:
    """The read-only GitHub adapter for `<upstream>`; GITHUB_TOKEN is optional for public PRs."""
    try:
        from githubkit import GitHub
    except ImportError:
        raise ConfigError("import pr needs the githubkit package: pip install 'steward[github]'.") from None
    from steward.codehost.github import GitHubCodeHost

    token = (env if env is not None else os.environ).get("GITHUB_TOKEN") or None
    client: Any = GitHub(token, http_cache=False) if token else GitHub(http_cache=False)
    return GitHubCodeHost(client, upstream_of(app))
