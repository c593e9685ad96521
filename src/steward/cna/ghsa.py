"""The `ghsa` tool: a GitHub repository security advisory with GitHub as the CNA (§7.3), through githubkit.

Allocation drafts an advisory and requests its CVE; GitHub assigns the id
later, so allocation is `Pending` on the advisory id. The advisory is found
again by its `cve_id`. GitHub has no review step, so `review-ready` and
`publish-ready` are kept in the local store. Publishing, closing and CVE
requests need admin or security-manager rights: a 403 there is a `HandOff`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from githubkit import GitHub
from githubkit.exception import RateLimitExceeded, RequestError, RequestFailed
from githubkit_schemas.latest.models import RepositoryAdvisory

from steward.cna import _http, guards
from steward.cna.interface import (
    AllocationFields,
    CveTool,
    Diff,
    HandOff,
    InvalidState,
    LocalRecords,
    Pending,
    RateLimited,
    Record,
    RecordStatus,
    ServiceError,
)
from steward.domain.lifecycle import RecordState

STATES = (RecordState.ALLOCATED, RecordState.PUBLISH_READY, RecordState.PUBLIC)
REMOTE_STATE: dict[str, RecordState] = {
    "published": RecordState.PUBLIC,
    "closed": RecordState.RETRACTED,
    "withdrawn": RecordState.RETRACTED,
}


@contextmanager
def _errors(what: str, hand_off: str | None = None) -> Iterator[None]:
    """githubkit failures as `CveToolError`s; with `hand_off`, a 403 becomes that admin task."""
    try:
        yield
    except RateLimitExceeded as exc:
        raise RateLimited(f"{what} hit GitHub's rate limit; retry after {exc.retry_after}.") from exc
    except RequestFailed as exc:
        status = exc.response.status_code
        if status == 403 and hand_off:
            raise HandOff(f"{what} needs admin or security-manager rights on the repository.", hand_off) from exc
        raise _http.status_error(status, what) from exc
    except RequestError as exc:
        raise ServiceError(f"{what} could not reach GitHub ({type(exc).__name__}); check the network.") from exc


def ghsa_fields(record: Record) -> dict[str, Any]:
    """The advisory fields a collaborator may write, taken from the CVE record."""
    cna = guards.cna_of(record)
    out: dict[str, Any] = {}
    if isinstance(cna.get("title"), str):
        out["summary"] = cna["title"]
    descriptions = [d for d in cna.get("descriptions") or [] if isinstance(d, dict) and d.get("value")]
    if descriptions:
        out["description"] = descriptions[0]["value"]
    cwes = [
        d["cweId"]
        for p in cna.get("problemTypes") or []
        for d in p.get("descriptions") or []
        if isinstance(d, dict) and isinstance(d.get("cweId"), str)
    ]
    if cwes:
        out["cwe_ids"] = cwes
    return out


class GhsaTool(CveTool):
    name = "ghsa"

    def __init__(
        self, github: GitHub[Any], store: LocalRecords, *, owner: str, repo: str, ecosystem: str, package: str
    ) -> None:
        self._gh = github
        self._store = store
        self._owner = owner
        self._repo = repo
        self._ecosystem = ecosystem
        self._package = package

    @property
    def states(self) -> tuple[RecordState, ...]:
        return STATES

    @property
    def _api(self) -> Any:
        return self._gh.rest.security_advisories

    def _task(self, step: str, ghsa_id: str) -> str:
        return f"{step} https://github.com/{self._owner}/{self._repo}/security/advisories/{ghsa_id}"

    def allocate(self, scope: str, fields: AllocationFields) -> str | Pending:
        with _errors("Creating the draft advisory"):
            created: RepositoryAdvisory = self._api.create_repository_advisory(
                self._owner,
                self._repo,
                summary=fields.title,
                description=fields.title,
                vulnerabilities=[{"package": {"ecosystem": self._ecosystem, "name": self._package}}],
            ).parsed_data
        with _errors(f"Requesting a CVE for {created.ghsa_id}", self._task("Request a CVE for", created.ghsa_id)):
            self._api.create_repository_advisory_cve_request(self._owner, self._repo, created.ghsa_id)
        return Pending(ref=created.ghsa_id, note="GitHub assigns the CVE id; paste it with --cve-id when it appears.")

    def _advisory(self, cve_id: str) -> RepositoryAdvisory | None:
        with _errors("Listing the repository advisories"):
            advisories: list[RepositoryAdvisory] = self._api.list_repository_advisories(
                self._owner, self._repo, per_page=100
            ).parsed_data
        return next((a for a in advisories if a.cve_id == cve_id), None)

    def _current(self, cve_id: str) -> tuple[RepositoryAdvisory, RecordState, Record]:
        advisory = self._advisory(cve_id)
        if advisory is None:
            raise InvalidState(
                f"No advisory of {self._owner}/{self._repo} carries {cve_id} yet; wait for GitHub's CVE."
            )
        local = self._store.get(cve_id)
        record = local[1] if local else {}
        if advisory.state in REMOTE_STATE:
            return advisory, REMOTE_STATE[advisory.state], record
        if local is None or local[0] not in STATES[:-1]:
            return advisory, RecordState.ALLOCATED, record
        return advisory, local[0], record

    def fetch_current_state(self, cve_id: str) -> RecordStatus:
        try:
            _, state, record = self._current(cve_id)
        except (ServiceError, InvalidState) as exc:
            return RecordStatus(RecordState.UNKNOWN, detail=str(exc))
        return RecordStatus(state, record)

    def push_update(
        self,
        cve_id: str,
        record: Record,
        state_transition: RecordState | None = None,
        *,
        allow_product_change: bool = False,
    ) -> Diff:
        advisory, state, current = self._current(cve_id)
        target, merged, diff = guards.plan_push(
            state, current or None, record, state_transition, allow_product_change=allow_product_change
        )
        if not diff:
            return diff
        changes = {k: v for k, v in ghsa_fields(merged).items() if getattr(advisory, k) != v}
        if changes:
            with _errors(f"Updating {advisory.ghsa_id}"):
                self._api.update_repository_advisory(self._owner, self._repo, advisory.ghsa_id, **changes)
        self._store.put(cve_id, target, merged)
        return diff

    def publish(self, cve_id: str) -> None:
        advisory, state, record = self._current(cve_id)
        if not guards.check_publish(state, self.states):
            return
        guards.require_vendor_advisory(record, cve_id)
        with _errors(f"Publishing {advisory.ghsa_id}", self._task("Publish", advisory.ghsa_id)):
            self._api.update_repository_advisory(self._owner, self._repo, advisory.ghsa_id, state="published")
        self._store.put(cve_id, RecordState.PUBLIC, record)

    def retract(self, cve_id: str, reason: str) -> None:
        advisory, state, record = self._current(cve_id)
        guards.check_retract(state)
        with _errors(f"Closing {advisory.ghsa_id}", self._task("Close", advisory.ghsa_id)):
            self._api.update_repository_advisory(self._owner, self._repo, advisory.ghsa_id, state="closed")
        self._store.put(cve_id, RecordState.RETRACTED, guards.with_rejection(record, reason))
