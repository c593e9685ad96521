"""The CNA tool port (spec §7.3): how steward reserves, writes, publishes and retracts a CVE record.

Each CNA tool (Vulnogram, CVE Services, GitHub advisories, the MITRE form,
the offline demo) is one backend module implementing `CveTool`. Everything
that crosses the seam is a frozen dataclass or a plain CVE JSON dict, and
every failure is a `CveToolError`, so the services above never see an HTTP
library. Steps a human must do (paste an id, paste JSON, ask an admin) are
`HumanStep` signals carrying the text to hand over, never silent no-ops.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from steward.domain.lifecycle import RecordState
from steward.errors import Refused, StewardError

ORDER: tuple[RecordState, ...] = (
    RecordState.ALLOCATED,
    RecordState.REVIEW_READY,
    RecordState.PUBLISH_READY,
    RecordState.PUBLIC,
)
"""The forward order of a live record; `retracted` is terminal and outside it."""

ALL_STATES: tuple[RecordState, ...] = ORDER
"""`states` of a tool that distinguishes every step of the order."""

Record = dict[str, Any]
"""A CVE JSON 5 record (`dataType: CVE_RECORD`) or, where a tool says so, its CNA container."""


@dataclass(frozen=True)
class AllocationFields:
    """What allocation may send: the title only, plus routing fields (§7.1), never report text."""

    title: str
    """The §5.12-normalised title."""
    message_id: str | None = None
    """The root Message-ID of the security thread, for tools that route on it."""


@dataclass(frozen=True)
class Pending:
    """An asynchronous allocation: the id arrives later and is wired with `--cve-id`."""

    ref: str
    """The tool's reference for the request (a request id, an advisory id)."""
    note: str = ""
    """One sentence for the rollup saying who answers and how."""


@dataclass(frozen=True)
class RecordStatus:
    """The record as the tool holds it."""

    state: RecordState
    """The generic state of §3.1."""
    fields: Mapping[str, Any] = field(default_factory=dict)
    """The record as last written (the shape `push_update` takes); empty when the tool holds none."""
    detail: str = ""
    """Why the state is `unknown` (the failed read), else empty."""


@dataclass(frozen=True)
class Diff:
    """What a push changed, as JSON paths into the record; an empty diff means nothing to report."""

    added: tuple[str, ...] = ()
    """Paths present only in the new record."""
    removed: tuple[str, ...] = ()
    """Paths present only in the old record."""
    changed: tuple[str, ...] = ()
    """Paths present in both with different values."""
    state_change: tuple[RecordState, RecordState] | None = None
    """(old, new) when the push moved the record's state."""
    paste: str | None = None
    """Text a human must paste into the tool, for tools whose writes are human-mediated."""

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed or self.state_change)


class LocalRecords(Protocol):
    """Where tools keep what lives only on this machine (local states, drafts before publication)."""

    def get(self, cve_id: str) -> tuple[RecordState, Record] | None:
        """The stored (state, record), or None when the id is unknown here."""
        ...

    def put(self, cve_id: str, state: RecordState, record: Record) -> None:
        """Replace the stored (state, record)."""
        ...


class DemoState(LocalRecords, Protocol):
    """The demo tool's store: local records plus the counter that issues fictional ids."""

    def next_id(self, start: int = 10001) -> int:
        """The next unused sequence number, `start` the first time."""
        ...


class CveToolError(StewardError):
    """Base of every failure a CNA tool reports."""


class NotApplicable(CveToolError, Refused):
    """The project has no CNA tool (`none`), or the tool cannot do this operation at all."""


class AlreadyPublic(CveToolError, Refused):
    """The record is public, so it cannot be retracted by steward; escalate to governance."""


class InvalidState(CveToolError, Refused):
    """The operation is not allowed from the record's current state (terminal, too early, a downgrade)."""


class GuardRefused(CveToolError, Refused):
    """A merge guard refused the write (product change, missing vendor-advisory reference, non-demo id)."""


class AuthExpired(CveToolError):
    """The tool rejected the credentials (HTTP 401, or a 403 that is not a rate limit)."""


class RateLimited(CveToolError):
    """The tool kept answering with a rate limit after the allowed retries."""


class ServiceError(CveToolError):
    """Any other failure of the tool: an unexpected status, a malformed reply, a network error."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        """The HTTP status, or None when no response arrived."""


class HumanStep(CveToolError):
    """Not a failure: a step only a human can do; `text` is what to hand over."""

    def __init__(self, message: str, text: str = "") -> None:
        super().__init__(message)
        self.text = text
        """What the human pastes, sends or reads."""


class ManualAllocation(HumanStep):
    """A human must request the id at `url` and paste it back (§7.1)."""

    def __init__(self, url: str, text: str = "") -> None:
        super().__init__(f"Allocate the CVE by hand at {url} and paste the id back with `--cve-id`.", text)
        self.url = url
        """The allocation page."""


class ManualPaste(HumanStep):
    """The write is the `manual-paste` hand-off: paste `json_text` into the tool's record editor."""

    def __init__(self, json_text: str, where: str = "the CNA tool's record editor") -> None:
        super().__init__(f"Paste the generated JSON into {where}; steward cannot write it.", json_text)
        self.json_text = json_text
        """The JSON to paste."""


class HandOff(HumanStep):
    """A person with more rights (an admin, the CNA) must do this step; `text` says what."""


class CveTool(ABC):
    """One CNA tool. Every backend applies the merge guards of `steward.cna.guards` on every write."""

    name: str = ""
    """The registry name (`vulnogram`, `cve-services`, ...)."""

    @property
    @abstractmethod
    def states(self) -> tuple[RecordState, ...]:
        """The steps of `ORDER` this tool distinguishes; empty for `none`."""

    @abstractmethod
    def allocate(self, scope: str, fields: AllocationFields) -> str | Pending:
        """Reserve an id: the CVE id, or `Pending` for asynchronous tools."""

    @abstractmethod
    def fetch_current_state(self, cve_id: str) -> RecordStatus:
        """The record's state and fields; state `unknown` when the tool could not be read."""

    @abstractmethod
    def push_update(
        self,
        cve_id: str,
        record: Record,
        state_transition: RecordState | None = None,
        *,
        allow_product_change: bool = False,
    ) -> Diff:
        """Write the record at max(current, requested) state, never `public`; return what changed."""

    @abstractmethod
    def publish(self, cve_id: str) -> None:
        """Make the record public from `review-ready` or `publish-ready`; already public is fine."""

    @abstractmethod
    def retract(self, cve_id: str, reason: str) -> None:
        """Move a non-public record to `retracted`; a public one raises `AlreadyPublic`."""
