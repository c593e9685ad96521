"""GitHub repository advisories through githubkit: draft + CVE request, state mapping, admin hand-offs."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import respx
from fixtures import GITHUB_API, OWNER, REPO, FakeGitHub, advisory_json, ghsa_for, ghsa_tool, sample_record
from githubkit_schemas.latest.models import RepositoryAdvisory

from steward.cna.interface import AllocationFields, AuthExpired, HandOff, Pending, RateLimited, ServiceError
from steward.cna.memory import MemoryState
from steward.domain.lifecycle import RecordState

FIELDS = AllocationFields(title="Example Widget: token leak in logs")
BASE = f"/repos/{OWNER}/{REPO}/security-advisories"
CVE = "CVE-2033-3001"


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=GITHUB_API) as mock:
        yield mock


def test_allocate_drafts_an_advisory_requests_a_cve_and_is_pending() -> None:
    fake = FakeGitHub()
    with fake.serve() as router:
        result = ghsa_tool().allocate("widget", FIELDS)
        created = json.loads(router.calls[0].request.content)
        requested = router.calls[1].request.url.path
    assert isinstance(result, Pending)
    assert created["summary"] == FIELDS.title
    assert created["vulnerabilities"] == [{"package": {"ecosystem": "pip", "name": "example-widget"}}]
    assert requested == f"{BASE}/{result.ref}/cve"
    assert fake.cve_of(result.ref).startswith("CVE-2033-")


def test_cve_request_without_admin_rights_is_a_hand_off() -> None:
    fake = FakeGitHub(admin=False)
    with fake.serve(), pytest.raises(HandOff, match="admin") as caught:
        ghsa_tool().allocate("widget", FIELDS)
    assert "Request a CVE for" in caught.value.text and "/security/advisories/GHSA-" in caught.value.text


@pytest.mark.parametrize(
    ("remote", "generic"),
    [
        ("draft", RecordState.ALLOCATED),
        ("triage", RecordState.ALLOCATED),
        ("published", RecordState.PUBLIC),
        ("closed", RecordState.RETRACTED),
        ("withdrawn", RecordState.RETRACTED),
    ],
)
def test_fetch_maps_the_advisory_state(router: respx.MockRouter, remote: str, generic: RecordState) -> None:
    advisory = advisory_json(ghsa_for(1), summary="s", state=remote, cve_id=CVE)
    router.get(BASE).respond(200, json=[advisory_json(ghsa_for(2), summary="other"), advisory])
    assert ghsa_tool().fetch_current_state(CVE).state == generic


def test_local_publish_ready_is_kept_while_the_advisory_is_a_draft(router: respx.MockRouter) -> None:
    router.get(BASE).respond(200, json=[advisory_json(ghsa_for(1), summary="s", cve_id=CVE)])
    store = MemoryState()
    store.put(CVE, RecordState.PUBLISH_READY, sample_record(CVE))
    assert ghsa_tool(store).fetch_current_state(CVE).state == RecordState.PUBLISH_READY


def test_cve_not_assigned_yet_is_unknown(router: respx.MockRouter) -> None:
    router.get(BASE).respond(200, json=[advisory_json(ghsa_for(1), summary="s")])
    found = ghsa_tool().fetch_current_state(CVE)
    assert found.state == RecordState.UNKNOWN and CVE in found.detail


def test_push_writes_the_collaborator_fields_once() -> None:
    fake = FakeGitHub()
    with fake.serve():
        tool = ghsa_tool()
        pending = tool.allocate("widget", FIELDS)
        assert isinstance(pending, Pending)
        cve_id = fake.cve_of(pending.ref)
        tool.push_update(cve_id, sample_record(cve_id))
        tool.push_update(cve_id, sample_record(cve_id))
    assert fake.patches == [
        {
            "summary": "Example Widget: path traversal in the upload handler",
            "description": sample_record(cve_id)["containers"]["cna"]["descriptions"][0]["value"],
            "cwe_ids": ["CWE-22"],
        }
    ]
    RepositoryAdvisory.model_validate(fake.advisories[pending.ref])


def test_publish_without_admin_rights_is_a_hand_off() -> None:
    fake = FakeGitHub()
    store = MemoryState()
    with fake.serve():
        pending = ghsa_tool(store).allocate("widget", FIELDS)
        assert isinstance(pending, Pending)
        cve_id = fake.cve_of(pending.ref)
        fake.admin = False
        tool = ghsa_tool(store)
        tool.push_update(cve_id, sample_record(cve_id, advisory=True), RecordState.PUBLISH_READY)
        with pytest.raises(HandOff, match="admin or security-manager") as caught:
            tool.publish(cve_id)
        assert caught.value.text.startswith("Publish https://github.com/")
        assert tool.fetch_current_state(cve_id).state == RecordState.PUBLISH_READY


@pytest.mark.parametrize(("status", "error"), [(401, AuthExpired), (403, AuthExpired), (500, ServiceError)])
def test_list_failures(router: respx.MockRouter, status: int, error: type[Exception]) -> None:
    router.get(BASE).respond(status, json={"message": "no", "documentation_url": "https://docs.example.org"})
    with pytest.raises(error, match=str(status)):
        ghsa_tool().push_update(CVE, sample_record(CVE))


def test_primary_rate_limit_is_rate_limited(router: respx.MockRouter) -> None:
    router.get(BASE).respond(
        403,
        headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": "4102444800"},
        json={"message": "API rate limit exceeded", "documentation_url": "https://docs.example.org"},
    )
    with pytest.raises(RateLimited):
        ghsa_tool().push_update(CVE, sample_record(CVE))
