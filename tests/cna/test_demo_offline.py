"""The demo and none tools work with the network switched off, and demo never loads an HTTP client."""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap

import pytest
from fixtures import sample_record

from steward.cna.demo import DemoTool
from steward.cna.interface import AllocationFields, GuardRefused, NotApplicable
from steward.cna.memory import MemoryState
from steward.cna.none import NoneTool
from steward.domain.lifecycle import RecordState

FIELDS = AllocationFields(title="Fictional widget: demo flaw")


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> socket.socket:
        raise AssertionError("network use in an offline test")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_the_network_is_really_off() -> None:
    with pytest.raises(AssertionError, match="network"):
        socket.socket()


def test_demo_walks_the_whole_lifecycle_offline() -> None:
    tool = DemoTool(MemoryState(), is_demo=True)
    first = tool.allocate("demo", FIELDS)
    assert first == "CVE-2099-10001"
    assert tool.allocate("demo", FIELDS) == "CVE-2099-10002"
    tool.push_update(first, sample_record(first, advisory=True), RecordState.REVIEW_READY)
    tool.push_update(first, sample_record(first, advisory=True), RecordState.PUBLISH_READY)
    tool.publish(first)
    status = tool.fetch_current_state(first)
    assert status.state == RecordState.PUBLIC and status.fields["cveMetadata"]["cveId"] == first


def test_demo_refuses_a_project_that_is_not_a_demo() -> None:
    tool = DemoTool(MemoryState(), is_demo=False)
    with pytest.raises(GuardRefused, match="project_kind: demo"):
        tool.allocate("demo", FIELDS)
    with pytest.raises(GuardRefused, match="project_kind: demo"):
        tool.fetch_current_state("CVE-2099-10001")


@pytest.mark.parametrize("cve_id", ["CVE-2031-10001", "CVE-2099-1", "cve-2099-10001"])
def test_demo_refuses_ids_it_did_not_issue(cve_id: str) -> None:
    with pytest.raises(GuardRefused, match="CVE-2099-"):
        DemoTool(MemoryState(), is_demo=True).push_update(cve_id, {})


def test_demo_unknown_id_reads_as_none() -> None:
    assert DemoTool(MemoryState(), is_demo=True).fetch_current_state("CVE-2099-10077").state == RecordState.NONE


def test_none_still_refuses_offline() -> None:
    with pytest.raises(NotApplicable):
        NoneTool().allocate("x", FIELDS)


def test_demo_and_none_never_import_an_http_client() -> None:
    script = textwrap.dedent(
        """
        import sys
        from steward.cna import registry
        from steward.cna.memory import MemoryState
        tool = registry.create("demo", state=MemoryState(), is_demo=True)
        cve_id = tool.allocate("demo", __import__("steward.cna.interface").cna.interface.AllocationFields(title="t"))
        tool.push_update(cve_id, {"title": "t"}, None)
        tool.fetch_current_state(cve_id)
        registry.create("none")
        loaded = sorted(m for m in ("httpx", "requests", "githubkit", "cvelib") if m in sys.modules)
        print(",".join(loaded) or "clean")
        """
    )
    done = subprocess.run(  # a fresh interpreter: its socket is not patched, so only imports are checked
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "clean"
