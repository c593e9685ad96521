"""`steward scrub check`: gather the project's confidential values, read the public text, report every hit (§10.2).

The reporter values come from the store (credit fields and the From lines of recorded security-thread mail), so
the scrub knows who reported what without anyone typing names into a config file. Git is run with argument
lists and validated revisions only: a range is user input and must never reach a shell or be read as an option.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from steward.app import App
from steward.comms.drafts import tracker_base_url
from steward.config.patterns_for import patterns_for
from steward.domain.credits import parse_credits
from steward.domain.fields import field_value
from steward.domain.roles import Field
from steward.domain.scrub import PATTERN_IDS, ScrubHit, Surface, scrub
from steward.errors import OperationFailed, UsageError
from steward.intake.display import safe_terminal
from steward.intake.pii import normalise_value
from steward.patterns import PatternSet
from steward.records.settings_for import cna_tool_host
from steward.textfiles import read_text_input

GIT_TIMEOUT_SECONDS = 60
_RANGE = re.compile(r"^(?P<a>[^.\s][^\s]*?)\.\.(?P<b>[^.\s][^\s]*)$")
_COMMIT_SEP = "\x1e"


@dataclass(frozen=True)
class ScrubTarget:
    """One piece of public text: `where` names it in output (a file, a commit sha, a branch)."""

    where: str
    surface: Surface
    text: str
    commit: str | None = None


@dataclass(frozen=True)
class LocatedHit:
    target: ScrubTarget
    hit: ScrubHit

    def as_json(self) -> dict[str, Any]:
        """`text` is terminal-safe (hits can be inbound text); `offset` and `length` slice the original exactly."""
        return {
            "pattern": self.hit.pattern_id,
            "offset": self.hit.offset,
            "length": len(self.hit.text),
            "text": safe_terminal(self.hit.text),
            "surface": self.target.surface,
            "where": self.target.where,
            "commit": self.target.commit,
        }


@dataclass(frozen=True)
class ScrubContext:
    """The project values the pure scrub needs, read once per run."""

    patterns: PatternSet
    reporter_values: tuple[str, ...] = ()
    cna_host: str | None = None
    private_url_patterns: tuple[str, ...] = ()
    foreign_names: tuple[str, ...] = ()
    extra_patterns: tuple[str, ...] = ()


@dataclass(frozen=True)
class ScrubReport:
    targets: tuple[ScrubTarget, ...]
    hits: tuple[LocatedHit, ...]
    allowed: str | None = None
    lifted: tuple[LocatedHit, ...] = field(default_factory=tuple)

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": not self.hits,
            "checked": [{"where": t.where, "surface": t.surface, "commit": t.commit} for t in self.targets],
            "hits": [h.as_json() for h in self.hits],
            "allowed": self.allowed,
            "lifted": len(self.lifted),
        }


def check_allow(allow: str | None, reason: str | None) -> None:
    """`--allow` names one known pattern id and always comes with `--reason` (design §4)."""
    if allow is None:
        if reason is not None:
            raise UsageError("--reason only goes with --allow PATTERN-ID; drop it or name the pattern to lift.")
        return
    if allow not in PATTERN_IDS:
        raise UsageError(f"--allow {allow!r} is not a scrub pattern id; use one of {', '.join(PATTERN_IDS)}.")
    if reason is None or not reason.strip():
        raise UsageError(f"--allow {allow} needs --reason TEXT saying why the text may be published; add it.")


# ---------------------------------------------------------------- project values


def _roster_values(app: App) -> set[str]:
    values: set[str] = set()
    for member in app.config.roster.members:
        values.update(v for v in (member.handle, member.handle.removeprefix("@"), member.name, *member.emails) if v)
    with app.store.read(app.slug) as reader:
        for person in reader.list_roster():
            values.update(v for v in (person.handle, person.name, *person.emails) if v)
    config = app.config
    lists = config.lists
    values.update((config.security_inbox.address, lists.users, lists.announce, lists.dev, lists.private))
    return {normalise_value(v) for v in values}


def reporter_values(app: App) -> tuple[str, ...]:
    """Every reporter-credit value and every From name/address of recorded security-thread mail, minus the team."""
    found: list[str] = []
    with app.store.read(app.slug) as reader:
        for tracker in reader.list_trackers():
            credit = field_value(tracker.body, Field.REPORTER_CREDIT, app.headings)
            found.extend(c.name for c in parse_credits(credit))
            for ref in reader.list_thread_refs(tracker.number):
                for message in reader.thread_messages(ref.root_message_id):
                    found.extend(v for v in (message.from_name, message.from_addr) if v)
    team = _roster_values(app)
    unique = dict.fromkeys(v.strip() for v in found if v.strip() and normalise_value(v) not in team)
    return tuple(unique)


def scrub_context(app: App) -> ScrubContext:
    """`tracker_number` covers the open trackers: their numbers are still embargoed identifiers (§12 D5).

    Without open trackers the placeholder is unset, which turns off only the number branch of `scrub.branch`.
    """
    config = app.config
    with app.store.read(app.slug) as reader:
        open_numbers = [str(t.number) for t in reader.list_trackers(open_only=True)]
    patterns = patterns_for(config, {"tracker_base_url": tracker_base_url(config), "tracker_number": open_numbers})
    return ScrubContext(
        patterns=patterns,
        reporter_values=reporter_values(app),
        cna_host=cna_tool_host(config),
        private_url_patterns=tuple(config.archive_system.private_url_patterns),
        foreign_names=tuple(config.confidentiality.foreign_project_names),
        extra_patterns=tuple(config.confidentiality.extra_scrub_patterns),
    )


# ---------------------------------------------------------------- public text


def text_targets(path: Path) -> list[ScrubTarget]:
    return [ScrubTarget(str(path), "text", read_text_input(path, "--text"))]


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            ["git", "-C", str(repo), *args],
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            check=False,
            timeout=GIT_TIMEOUT_SECONDS,
        )
    except FileNotFoundError:
        raise OperationFailed("git is not installed or not on PATH; install git to check a --git-range.") from None
    except subprocess.TimeoutExpired:
        raise OperationFailed(
            f"git did not answer within {GIT_TIMEOUT_SECONDS} s in {repo}; check the repository and retry."
        ) from None


def parse_range(value: str) -> tuple[str, str]:
    """`A..B` with two non-empty revisions; `A...B` and option-like revisions are refused."""
    found = _RANGE.match(value)
    if found is None or "..." in value or found.group("b").count("..") or found.group("a").count(".."):
        raise UsageError(f"--git-range {value!r} is not A..B (two revisions joined by two dots); e.g. main..HEAD.")
    a, b = found.group("a"), found.group("b")
    for rev in (a, b):
        if rev.startswith("-"):
            raise UsageError(f"--git-range revision {rev!r} starts with '-'; name a commit, branch or tag.")
    return a, b


def _verify(repo: Path, rev: str) -> str:
    done = _git(repo, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}")
    sha = done.stdout.strip()
    if done.returncode != 0 or not re.fullmatch(r"[0-9a-f]{40,64}", sha):
        raise UsageError(f"--git-range revision {rev!r} is not a commit in {repo}; check the name with `git log`.")
    return sha


def _branch_names(repo: Path, b: str) -> list[str]:
    """The current branch and B itself when B names a local branch: both become public branch names."""
    names: list[str] = []
    current = _git(repo, "symbolic-ref", "--quiet", "--short", "HEAD")
    if current.returncode == 0 and current.stdout.strip():
        names.append(current.stdout.strip())
    full = _git(repo, "rev-parse", "--verify", "--quiet", "--symbolic-full-name", "--end-of-options", b)
    ref = full.stdout.strip()
    if full.returncode == 0 and ref.startswith("refs/heads/"):
        names.append(ref.removeprefix("refs/heads/"))
    return list(dict.fromkeys(names))


def git_targets(repo: Path, value: str) -> list[ScrubTarget]:
    """Each commit message of A..B (oldest first), then the branch names."""
    a, b = parse_range(value)
    old, new = _verify(repo, a), _verify(repo, b)
    done = _git(repo, "log", "--reverse", f"--format=%H%n%B{_COMMIT_SEP}", f"{old}..{new}", "--")
    if done.returncode != 0:
        raise OperationFailed(
            f"git log {a}..{b} failed in {repo} ({done.stderr.strip()[:200]}); check the repository and the range."
        )
    targets: list[ScrubTarget] = []
    for raw in done.stdout.split(_COMMIT_SEP):
        chunk = raw.lstrip("\n")
        if not chunk:
            continue
        sha, _, message = chunk.partition("\n")
        targets.append(ScrubTarget(f"commit {sha[:12]}", "text", message.rstrip("\n"), commit=sha))
    targets.extend(ScrubTarget(f"branch {name}", "branch", name) for name in _branch_names(repo, b))
    return targets


# ---------------------------------------------------------------- the run


def run_scrub(context: ScrubContext, targets: Sequence[ScrubTarget], allow: str | None = None) -> ScrubReport:
    """Every hit over every target; with `allow`, the lifted hits are counted so the audit can say how many."""

    def hits_for(target: ScrubTarget, lifted: frozenset[str]) -> list[LocatedHit]:
        return [
            LocatedHit(target, hit)
            for hit in scrub(
                target.text,
                context.patterns,
                surface=target.surface,
                reporter_values=context.reporter_values,
                cna_host=context.cna_host,
                private_url_patterns=context.private_url_patterns,
                foreign_names=context.foreign_names,
                extra_patterns=context.extra_patterns,
                allow=lifted,
            )
        ]

    every = [h for t in targets for h in hits_for(t, frozenset())]
    kept = tuple(h for h in every if h.hit.pattern_id != allow)
    lifted = tuple(h for h in every if h.hit.pattern_id == allow)
    return ScrubReport(tuple(targets), kept, allow, lifted)


def audit_allow(app: App, report: ScrubReport, reason: str, checked: str) -> None:
    """One audit event per lifted run: who lifted which pattern, why, over what (G3)."""
    if report.allowed is None:
        return
    app.member()
    after = {"pattern": report.allowed, "reason": reason, "checked": checked, "lifted_hits": len(report.lifted)}
    with app.store.transaction(app.slug, actor=app.identity, command="scrub check") as tx:
        tx.audit(None, f"scrub:allow:{report.allowed}", None, after)
