"""The §5.13 selector grammar shared by every `--apply`, prompt and web form: parse and render.

A selection is data, so a web form and a command line that mean the same thing render to the same text and
parse to the same value (parse∘render is the identity, property-tested). Anything the grammar does not
name is a usage error before a single item applies (G1, G8 exit 2).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from steward.errors import UsageError

BUCKETS: tuple[str, ...] = (
    "pr-worth",
    "import-as-tracker",
    "defense-in-depth",
    "by-design-invalid",
    "duplicate",
    "already-fixed",
)
"""The §5.16 scan buckets, the only values of `N:bucket`."""

GRAMMAR_HINT = (
    "use all, go, none, cancel, a list such as 1,3-5, `skip 2`, or N:action "
    "(all, a list, skip, edit FIELD=VALUE, canned SLUG, silent, trust-relay, reject-with-canned SLUG, "
    "reject-with-public-fix URL[,URL], merge #N, link #N, bucket BUCKET, force-sync), joined by ';'"
)

_NUMBER = re.compile(r"[0-9]+")
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")
_FIELD = re.compile(r"[a-z][a-z0-9_-]*")
_URL = re.compile(r"https?://[^\s,]+")
_SEPARATOR = re.compile(r"(?<!\\)((?:\\\\)*);")


# ---------------------------------------------------------------------------------------------- the values


@dataclass(frozen=True)
class Span:
    """`N` or `N-M` (inclusive, N ≤ M)."""

    start: int
    end: int

    def numbers(self) -> range:
        return range(self.start, self.end + 1)


Spans = tuple[Span, ...]


@dataclass(frozen=True)
class Everything:
    """`all` or its synonym `go` (the word is kept so rendering gives back what was typed)."""

    word: Literal["all", "go"] = "all"


@dataclass(frozen=True)
class Nothing:
    """`none` or its synonym `cancel`."""

    word: Literal["none", "cancel"] = "none"


@dataclass(frozen=True)
class Pick:
    spans: Spans


@dataclass(frozen=True)
class Skip:
    spans: Spans


@dataclass(frozen=True)
class ActAll:
    pass


@dataclass(frozen=True)
class ActPick:
    spans: Spans


@dataclass(frozen=True)
class ActSkip:
    pass


@dataclass(frozen=True)
class Edit:
    field: str
    value: str


@dataclass(frozen=True)
class Canned:
    slug: str


@dataclass(frozen=True)
class Silent:
    pass


@dataclass(frozen=True)
class TrustRelay:
    pass


@dataclass(frozen=True)
class RejectWithCanned:
    slug: str


@dataclass(frozen=True)
class RejectWithPublicFix:
    urls: tuple[str, ...]


@dataclass(frozen=True)
class MergeInto:
    tracker: int


@dataclass(frozen=True)
class LinkTo:
    tracker: int


@dataclass(frozen=True)
class Bucket:
    bucket: str


@dataclass(frozen=True)
class ForceSync:
    pass


Action = (
    ActAll
    | ActPick
    | ActSkip
    | Edit
    | Canned
    | Silent
    | TrustRelay
    | RejectWithCanned
    | RejectWithPublicFix
    | MergeInto
    | LinkTo
    | Bucket
    | ForceSync
)


@dataclass(frozen=True)
class ItemAction:
    """`N:action`."""

    number: int
    action: Action


Directive = Everything | Nothing | Pick | Skip | ItemAction
Selection = tuple[Directive, ...]


# ---------------------------------------------------------------------------------------------- escaping


def escape(value: str) -> str:
    """A value as written inside a selection: `\\` doubled, `;` written `\\;`."""
    return value.replace("\\", "\\\\").replace(";", "\\;")


def unescape(text: str) -> str:
    out: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text) and text[index + 1] in "\\;":
            out.append(text[index + 1])
            index += 2
            continue
        out.append(char)
        index += 1
    return "".join(out)


def _split(text: str) -> list[str]:
    parts: list[str] = []
    start = 0
    for match in _SEPARATOR.finditer(text):
        end = match.end() - 1
        parts.append(text[start:end])
        start = match.end()
    parts.append(text[start:])
    return parts


# ---------------------------------------------------------------------------------------------- parsing


def _bad(text: str, why: str = "") -> UsageError:
    shown = text if len(text) <= 80 else text[:77] + "..."
    reason = f" ({why})" if why else ""
    return UsageError(f"--apply: {shown!r} is not a selector directive{reason}; {GRAMMAR_HINT}.")


def _number(text: str, whole: str) -> int:
    token = text.strip()
    if not _NUMBER.fullmatch(token):
        raise _bad(whole, f"{token!r} is not a number")
    value = int(token)
    if value < 1:
        raise _bad(whole, "numbers start at 1")
    return value


def _spans(text: str, whole: str) -> Spans:
    spans: list[Span] = []
    for item in text.split(","):
        first, dash, last = item.partition("-")
        start = _number(first, whole)
        end = _number(last, whole) if dash else start
        if end < start:
            raise _bad(whole, f"range {start}-{end} runs backwards")
        spans.append(Span(start, end))
    return tuple(spans)


def _slug(text: str, whole: str) -> str:
    token = text.strip()
    if not _SLUG.fullmatch(token):
        raise _bad(whole, f"{token!r} is not a slug")
    return token


def _after(text: str, word: str) -> str | None:
    """The rest of `text` after the keyword `word` and at least one space, else None."""
    if text.startswith(word + " "):
        return text[len(word) + 1 :]
    return None


def _tracker_ref(text: str, whole: str) -> int:
    token = text.strip()
    if not token.startswith("#"):
        raise _bad(whole, "write the tracker as #N")
    return _number(token[1:], whole)


def _action(raw: str, whole: str) -> Action:
    text = raw.strip()
    simple: dict[str, Action] = {
        "all": ActAll(),
        "skip": ActSkip(),
        "silent": Silent(),
        "trust-relay": TrustRelay(),
        "force-sync": ForceSync(),
    }
    if text in simple:
        return simple[text]
    if (rest := _after(text, "edit")) is not None:
        name, eq, value = rest.partition("=")
        field = name.strip()
        if not eq or not _FIELD.fullmatch(field):
            raise _bad(whole, "write edit FIELD=VALUE")
        value = unescape(value).strip()
        if not value:
            raise _bad(whole, f"edit {field}= has no value")
        return Edit(field, value)
    if (rest := _after(text, "canned")) is not None:
        return Canned(_slug(rest, whole))
    if (rest := _after(text, "reject-with-canned")) is not None:
        return RejectWithCanned(_slug(rest, whole))
    if (rest := _after(text, "reject-with-public-fix")) is not None:
        urls = tuple(u.strip() for u in unescape(rest).split(","))
        if not urls or not all(_URL.fullmatch(u) for u in urls):
            raise _bad(whole, "give http(s) URLs separated by commas")
        return RejectWithPublicFix(urls)
    if (rest := _after(text, "merge")) is not None:
        return MergeInto(_tracker_ref(rest, whole))
    if (rest := _after(text, "link")) is not None:
        return LinkTo(_tracker_ref(rest, whole))
    if (rest := _after(text, "bucket")) is not None:
        bucket = rest.strip()
        if bucket not in BUCKETS:
            raise _bad(whole, f"bucket {bucket!r} is not one of {', '.join(BUCKETS)}")
        return Bucket(bucket)
    if text and text[0].isdigit():
        return ActPick(_spans(text, whole))
    raise _bad(whole, f"unknown action {text!r}")


def _directive(raw: str) -> Directive:
    text = raw.strip()
    whole = unescape(text)
    if text in ("all", "go"):
        return Everything("go" if text == "go" else "all")
    if text in ("none", "cancel"):
        return Nothing("cancel" if text == "cancel" else "none")
    if (rest := _after(text, "skip")) is not None:
        return Skip(_spans(rest, whole))
    head, colon, tail = text.partition(":")
    if colon and _NUMBER.fullmatch(head.strip()):
        return ItemAction(_number(head, whole), _action(tail, whole))
    if text and text[0].isdigit():
        return Pick(_spans(text, whole))
    raise _bad(whole)


def parse_selection(text: str) -> Selection:
    """Every directive of `text`; an empty or unknown one raises UsageError (exit 2)."""
    if not text.strip():
        raise UsageError(f"--apply needs a selection; {GRAMMAR_HINT}.")
    return tuple(_directive(part) for part in _split(text))


# ---------------------------------------------------------------------------------------------- rendering


def _render_spans(spans: Spans) -> str:
    return ",".join(str(s.start) if s.start == s.end else f"{s.start}-{s.end}" for s in spans)


def render_action(action: Action) -> str:
    if isinstance(action, ActAll):
        return "all"
    if isinstance(action, ActPick):
        return _render_spans(action.spans)
    if isinstance(action, ActSkip):
        return "skip"
    if isinstance(action, Edit):
        return f"edit {action.field}={escape(action.value)}"
    if isinstance(action, Canned):
        return f"canned {action.slug}"
    if isinstance(action, Silent):
        return "silent"
    if isinstance(action, TrustRelay):
        return "trust-relay"
    if isinstance(action, RejectWithCanned):
        return f"reject-with-canned {action.slug}"
    if isinstance(action, RejectWithPublicFix):
        return "reject-with-public-fix " + escape(",".join(action.urls))
    if isinstance(action, MergeInto):
        return f"merge #{action.tracker}"
    if isinstance(action, LinkTo):
        return f"link #{action.tracker}"
    if isinstance(action, Bucket):
        return f"bucket {action.bucket}"
    return "force-sync"


def render_directive(directive: Directive) -> str:
    if isinstance(directive, Everything | Nothing):
        return directive.word
    if isinstance(directive, Pick):
        return _render_spans(directive.spans)
    if isinstance(directive, Skip):
        return "skip " + _render_spans(directive.spans)
    return f"{directive.number}:{render_action(directive.action)}"


def render_selection(selection: Sequence[Directive]) -> str:
    return ";".join(render_directive(d) for d in selection)


# ---------------------------------------------------------------------------------------------- meaning


@dataclass(frozen=True)
class Resolved:
    """Which proposal items apply, in order, and the per-item actions that came with them."""

    chosen: tuple[int, ...]
    actions: dict[int, tuple[Action, ...]]


def resolve(selection: Sequence[Directive], count: int, default_all: Sequence[int]) -> Resolved:
    """The items a selection applies over a proposal of `count` items.

    `default_all` is what `all`/`go` means here (in imports: the create, merge and link candidates only, §5.13).
    An `N` outside 1..count is a usage error, so a stale selection never applies to the wrong item.
    """
    chosen: set[int] = set()
    skipped: set[int] = set()
    actions: dict[int, list[Action]] = {}
    cancelled = False

    def check(number: int) -> int:
        if not 1 <= number <= count:
            span = f"1-{count}" if count else "none: the proposal is empty"
            raise UsageError(
                f"--apply names item {number}, but the proposal's items are {span}; re-run without --apply."
            )
        return number

    for directive in selection:
        if isinstance(directive, Everything):
            chosen.update(default_all)
        elif isinstance(directive, Nothing):
            cancelled = True
        elif isinstance(directive, Pick):
            chosen.update(check(n) for s in directive.spans for n in s.numbers())
        elif isinstance(directive, Skip):
            skipped.update(check(n) for s in directive.spans for n in s.numbers())
        else:
            number = check(directive.number)
            action = directive.action
            if isinstance(action, ActSkip):
                skipped.add(number)
            else:
                chosen.add(number)
                actions.setdefault(number, []).append(action)
    if cancelled:
        return Resolved((), {})
    final = tuple(sorted(chosen - skipped))
    return Resolved(final, {n: tuple(actions.get(n, ())) for n in final})
