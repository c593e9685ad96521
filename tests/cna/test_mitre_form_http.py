"""The MITRE form tool: human-mediated allocation and publication, state read from the public cve.org API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import respx
from fixtures import ADVISORY_URL, CVE_ORG_API, FakeCveOrg, sample_record

from steward.cna.interface import AllocationFields, GuardRefused, HandOff, ManualAllocation
from steward.cna.memory import MemoryState
from steward.cna.mitre_form import MitreFormTool
from steward.domain.lifecycle import RecordState

CVE = "CVE-2034-4001"


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=CVE_ORG_API) as mock:
        yield mock


def test_allocate_hands_over_the_form_and_the_title(router: respx.MockRouter) -> None:
    with pytest.raises(ManualAllocation) as caught:
        MitreFormTool(MemoryState()).allocate("widget", AllocationFields(title="Example Widget: XSS in search"))
    assert caught.value.url == "https://cveform.mitre.org/"
    assert "Title: Example Widget: XSS in search" in caught.value.text
    assert not router.calls


@pytest.mark.parametrize(
    ("remote", "generic"), [("PUBLISHED", RecordState.PUBLIC), ("REJECTED", RecordState.RETRACTED)]
)
def test_fetch_reads_cve_metadata_state(router: respx.MockRouter, remote: str, generic: RecordState) -> None:
    record = sample_record(CVE)
    record["cveMetadata"]["state"] = remote
    route = router.get(f"cve/{CVE}").respond(200, json=record)
    assert MitreFormTool(MemoryState()).fetch_current_state(CVE).state == generic
    assert route.calls.last.request.url == f"{CVE_ORG_API}cve/{CVE}"


def test_404_is_unknown_before_the_reply_and_local_after(router: respx.MockRouter) -> None:
    router.get(f"cve/{CVE}").respond(404, json={"error": "CVE_RECORD_DNE"})
    tool = MitreFormTool(MemoryState())
    assert tool.fetch_current_state(CVE).state == RecordState.UNKNOWN
    tool.receive_id(CVE)
    assert tool.fetch_current_state(CVE).state == RecordState.ALLOCATED


def test_receive_id_refuses_anything_but_a_cve_id() -> None:
    with pytest.raises(GuardRefused, match="not a CVE id"):
        MitreFormTool(MemoryState()).receive_id("CVE-34-1")


def test_server_error_is_unknown_with_detail(router: respx.MockRouter) -> None:
    router.get(f"cve/{CVE}").respond(503)
    found = MitreFormTool(MemoryState()).fetch_current_state(CVE)
    assert found.state == RecordState.UNKNOWN and "503" in found.detail


def test_push_returns_the_diff_and_the_form_text() -> None:
    fake = FakeCveOrg()
    with fake.serve():
        tool = MitreFormTool(MemoryState())
        tool.receive_id(CVE)
        diff = tool.push_update(CVE, sample_record(CVE, advisory=True))
        again = tool.push_update(CVE, sample_record(CVE, advisory=True))
    assert diff and not again
    assert diff.paste is not None
    assert f"CVE ID: {CVE}" in diff.paste and f"Reference: {ADVISORY_URL}" in diff.paste
    assert "Affected: Example Foundation Example Widget 1.0.0 to before 1.4.2" in diff.paste


def test_publish_is_a_hand_off_with_the_form_text_and_then_reads_public() -> None:
    fake = FakeCveOrg()
    store = MemoryState()
    with fake.serve():
        tool = MitreFormTool(store)
        tool.receive_id(CVE)
        tool.push_update(CVE, sample_record(CVE, advisory=True))
        with pytest.raises(HandOff, match="cveform") as caught:
            tool.publish(CVE)
        assert "Title: Example Widget" in caught.value.text
        assert tool.fetch_current_state(CVE).state == RecordState.ALLOCATED
        found = store.get(CVE)
        assert found is not None
        fake.publish(CVE, found[1])
        assert tool.fetch_current_state(CVE).state == RecordState.PUBLIC
        tool.publish(CVE)  # already public: no hand-off
