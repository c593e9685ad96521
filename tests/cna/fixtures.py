"""In-process fakes of every CNA service, checked against the services' published schemas or typed models.

No real host is contacted: respx serves httpx and githubkit, `responses` serves
cvelib (requests); anything unmatched fails the test. Every payload a fake
accepts or returns is checked, so a fixture cannot drift from the service:

- CVE records against the vendored CVE 5.1.1 schema (`record`), and CNA
  containers sent to CVE Services against the CNA published / rejected
  container schemas;
- GitHub repository advisories through githubkit's generated pydantic model
  `RepositoryAdvisory` (and request bodies through `RepositoryAdvisoryCreate`
  / `RepositoryAdvisoryUpdate`);
- Vulnogram documents: Vulnogram has no published schema for its envelope, so
  it is documented here. A document at `GET /cve5/json/<ID>` (read) and
  `POST /cve5/<ID>` (write, JSON body) is a CVE JSON 5 record with one extra
  top-level key::

      "CNA_private": {
          "owner": "<pmc>",          # the project that owns the record
          "state": "DRAFT",          # DRAFT | REVIEW | READY | PUBLIC | REJECTED
          "todo": [],                # reviewer notes (free form)
          "userslist": ""            # notification addresses (free form)
      }

  Right after `POST /allocatecve` the document holds only `CNA_private`; once
  written, everything except `CNA_private` must be a valid CVE record.

All names, hosts and ids are fictional (example.org / .invalid, CVE years far
from any real assignment).
"""

from __future__ import annotations

import copy
import itertools
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import httpx
import responses
import respx
from cvelib.cve_api import CveApi  # type: ignore[import-untyped]
from githubkit import GitHub
from githubkit_schemas.latest.models import RepositoryAdvisory, RepositoryAdvisoryCreate, RepositoryAdvisoryUpdate
from jsonschema import Draft7Validator

from steward.cna.cve_services import CveServicesTool
from steward.cna.demo import DemoTool
from steward.cna.ghsa import GhsaTool
from steward.cna.interface import AllocationFields, CveTool, HandOff, ManualAllocation, Pending
from steward.cna.memory import MemoryState
from steward.cna.mitre_form import MitreFormTool
from steward.cna.vulnogram import VulnogramTool
from steward.records.validate import validate_record

ORG_ID = "0a7c2b8e-5d1f-4c3a-9e6b-2f4d8a1c7e90"
VULNOGRAM_URL = "https://cna-tool.example.org/"
ALLOCATE_URL = "https://cna-tool.example.org/allocate"
CVE_SERVICES_URL = "https://cve-services.example.org/api/"
CVE_ORG_API = "https://cveawg.mitre.org/api/"
GITHUB_API = "https://api.github.com"
OWNER, REPO = "example-org", "widget"
TOKEN = "test-token-not-a-secret"
ADVISORY_URL = "https://lists.example.org/thread/widget-advisory"


def sample_record(
    cve_id: str, *, advisory: bool = False, product: str = "Example Widget", refs: tuple[str, ...] = ()
) -> dict[str, Any]:
    """A schema-valid CVE 5.1.1 record; `advisory` adds the vendor-advisory reference."""
    references: list[dict[str, Any]] = [{"url": "https://git.example.org/widget/commit/1a2b3c", "tags": ["patch"]}]
    references += [{"url": url} for url in refs]
    if advisory:
        references.append({"url": ADVISORY_URL, "tags": ["vendor-advisory"]})
    record = {
        "dataType": "CVE_RECORD",
        "dataVersion": "5.1",
        "cveMetadata": {"cveId": cve_id, "assignerOrgId": ORG_ID, "state": "PUBLISHED"},
        "containers": {
            "cna": {
                "providerMetadata": {"orgId": ORG_ID},
                "title": "Example Widget: path traversal in the upload handler",
                "descriptions": [
                    {
                        "lang": "en",
                        "value": "A path traversal in the upload handler of Example Widget lets a user write files.",
                    }
                ],
                "affected": [
                    {
                        "vendor": "Example Foundation",
                        "product": product,
                        "defaultStatus": "unaffected",
                        "versions": [
                            {"version": "1.0.0", "lessThan": "1.4.2", "status": "affected", "versionType": "semver"}
                        ],
                    }
                ],
                "problemTypes": [
                    {
                        "descriptions": [
                            {
                                "lang": "en",
                                "type": "CWE",
                                "cweId": "CWE-22",
                                "description": "CWE-22 Improper Limitation of a Pathname to a Restricted Directory",
                            }
                        ]
                    }
                ],
                "references": references,
            }
        },
    }
    assert_valid_record(record)
    return record


def assert_valid_record(record: dict[str, Any]) -> None:
    errors = validate_record(record, "record")
    assert not errors, [str(e) for e in errors]


def _schema(name: str) -> dict[str, Any]:
    text = resources.files("steward.data").joinpath("cve-schema-5.1.1", name).read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


REJECTED_CONTAINER = Draft7Validator(_schema("CVE_JSON_cnaRejectedContainer_5.1.1.json"))


def _json(request: httpx.Request) -> Any:
    return json.loads(request.content or b"null")


# ---------------------------------------------------------------- Vulnogram


@dataclass
class FakeVulnogram:
    """A Vulnogram token API: `POST /allocatecve`, `GET /cve5/json/<ID>`, `POST /cve5/<ID>`."""

    pmc: str = "widget"
    docs: dict[str, dict[str, Any]] = field(default_factory=dict)
    writes: list[dict[str, Any]] = field(default_factory=list)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1001))

    def _authorised(self, request: httpx.Request) -> bool:
        return bool(request.headers.get("Authorization") == f"Bearer {TOKEN}")

    def allocate(self, request: httpx.Request) -> httpx.Response:
        if not self._authorised(request):
            return httpx.Response(401, json={"error": "unauthorised"})
        body = _json(request)
        assert body["pmc"] == self.pmc and body["cvetitle"] and body["listid"]
        cve_id = f"CVE-2031-{next(self._ids)}"
        self.docs[cve_id] = {"CNA_private": {"owner": self.pmc, "state": "DRAFT", "todo": [], "userslist": ""}}
        return httpx.Response(200, json={"cve_ids": [cve_id]})

    def read(self, request: httpx.Request, cve_id: str) -> httpx.Response:
        if not self._authorised(request):
            return httpx.Response(401, json={"error": "unauthorised"})
        if cve_id not in self.docs:
            return httpx.Response(404, json={"error": "not found"})
        return httpx.Response(200, json=self.docs[cve_id])

    def write(self, request: httpx.Request, cve_id: str) -> httpx.Response:
        if not self._authorised(request):
            return httpx.Response(401, json={"error": "unauthorised"})
        doc = _json(request)
        private = doc["CNA_private"]
        assert set(private) >= {"owner", "state"} and private["owner"] == self.pmc
        assert private["state"] in {"DRAFT", "REVIEW", "READY", "PUBLIC", "REJECTED"}
        record = {k: v for k, v in doc.items() if k != "CNA_private"}
        if private["state"] != "REJECTED":
            assert_valid_record(record)
        self.docs[cve_id] = doc
        self.writes.append(copy.deepcopy(doc))
        return httpx.Response(200, json={"type": "saved", "id": cve_id})

    def set_state(self, cve_id: str, state: str) -> None:
        self.docs[cve_id]["CNA_private"]["state"] = state

    @contextmanager
    def serve(self) -> Iterator[respx.MockRouter]:
        with respx.mock(base_url=VULNOGRAM_URL, assert_all_called=False) as router:
            router.post("allocatecve").mock(side_effect=self.allocate)
            router.get(path__regex=r"/cve5/json/(?P<cve_id>CVE-[0-9-]+)$").mock(side_effect=self.read)
            router.post(path__regex=r"/cve5/(?P<cve_id>CVE-[0-9-]+)$").mock(side_effect=self.write)
            yield router


def vulnogram_tool(token: str | None = TOKEN) -> VulnogramTool:
    return VulnogramTool(
        base_url=VULNOGRAM_URL,
        allocate_url=ALLOCATE_URL,
        pmc="widget",
        list_id="security@widget.example.org",
        token=token,
    )


# ---------------------------------------------------------------- CVE Services


@dataclass
class FakeCveServices:
    """CVE Services: reserve (`POST cve-id`), `GET cve-id/<ID>`, `GET cve/<ID>`, publish, update, reject."""

    states: dict[str, str] = field(default_factory=dict)
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    writes: list[str] = field(default_factory=list)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(2001))

    @staticmethod
    def _error(status: int, error: str) -> tuple[int, dict[str, str], str]:
        return status, {"Content-Type": "application/json"}, json.dumps({"error": error, "message": error.lower()})

    @staticmethod
    def _ok(body: Any) -> tuple[int, dict[str, str], str]:
        return 200, {"Content-Type": "application/json"}, json.dumps(body)

    def _cve(self, request: Any) -> str:
        found = re.search(r"(CVE-\d{4}-\d{4,})", request.url)
        assert found
        return found.group(1)

    def reserve(self, request: Any) -> tuple[int, dict[str, str], str]:
        assert request.headers["CVE-API-KEY"] and request.headers["CVE-API-ORG"] == "example"
        assert "amount=1" in request.url
        cve_id = f"CVE-2032-{next(self._ids)}"
        self.states[cve_id] = "RESERVED"
        entry = {"cve_id": cve_id, "cve_year": "2032", "state": "RESERVED", "owning_cna": "example"}
        return self._ok({"cve_ids": [entry], "meta": {"remaining_quota": 99}})

    def show_id(self, request: Any) -> tuple[int, dict[str, str], str]:
        cve_id = self._cve(request)
        if cve_id not in self.states:
            return self._error(404, "CVE_ID_NOT_FOUND")
        return self._ok({"cve_id": cve_id, "state": self.states[cve_id], "owning_cna": "example"})

    def show_record(self, request: Any) -> tuple[int, dict[str, str], str]:
        cve_id = self._cve(request)
        if cve_id not in self.records:
            return self._error(404, "CVE_RECORD_DNE")
        return self._ok(self.records[cve_id])

    def _container_record(self, cve_id: str, container: dict[str, Any]) -> dict[str, Any]:
        errors = validate_record(container, "cna")
        assert not errors, [str(e) for e in errors]
        record = {
            "dataType": "CVE_RECORD",
            "dataVersion": "5.1",
            "cveMetadata": {"cveId": cve_id, "assignerOrgId": ORG_ID, "state": "PUBLISHED"},
            "containers": {"cna": container},
        }
        assert_valid_record(record)
        return record

    def publish(self, request: Any) -> tuple[int, dict[str, str], str]:
        cve_id = self._cve(request)
        if self.states.get(cve_id) != "RESERVED":
            return self._error(400, "CVE_RECORD_EXISTS")
        self.records[cve_id] = self._container_record(cve_id, json.loads(request.body)["cnaContainer"])
        self.states[cve_id] = "PUBLISHED"
        self.writes.append(f"publish {cve_id}")
        return self._ok({"created": self.records[cve_id], "message": "published"})

    def update(self, request: Any) -> tuple[int, dict[str, str], str]:
        cve_id = self._cve(request)
        if self.states.get(cve_id) != "PUBLISHED":
            return self._error(400, "CVE_RECORD_DNE")
        self.records[cve_id] = self._container_record(cve_id, json.loads(request.body)["cnaContainer"])
        self.writes.append(f"update {cve_id}")
        return self._ok({"updated": self.records[cve_id], "message": "updated"})

    def reject(self, request: Any) -> tuple[int, dict[str, str], str]:
        cve_id = self._cve(request)
        if self.states.get(cve_id) != "RESERVED":
            return self._error(400, "CVE_RECORD_EXISTS")
        container = json.loads(request.body)["cnaContainer"]
        errors = sorted(e.message for e in REJECTED_CONTAINER.iter_errors(container))
        assert not errors, errors
        self.states[cve_id] = "REJECTED"
        self.writes.append(f"reject {cve_id}")
        return self._ok({"created": {"cveMetadata": {"cveId": cve_id, "state": "REJECTED"}}, "message": "rejected"})

    def show_org(self, request: Any) -> tuple[int, dict[str, str], str]:
        return self._ok({"UUID": ORG_ID, "short_name": "example", "name": "Example Foundation"})

    @contextmanager
    def serve(self) -> Iterator[responses.RequestsMock]:
        with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
            base = re.escape(CVE_SERVICES_URL)
            mock.add_callback("POST", re.compile(base + r"cve-id\?"), callback=self.reserve)
            mock.add_callback("GET", re.compile(base + r"cve-id/CVE-[0-9-]+$"), callback=self.show_id)
            mock.add_callback("GET", re.compile(base + r"cve/CVE-[0-9-]+$"), callback=self.show_record)
            mock.add_callback("POST", re.compile(base + r"cve/CVE-[0-9-]+/cna$"), callback=self.publish)
            mock.add_callback("PUT", re.compile(base + r"cve/CVE-[0-9-]+/cna$"), callback=self.update)
            mock.add_callback("POST", re.compile(base + r"cve/CVE-[0-9-]+/reject$"), callback=self.reject)
            mock.add_callback("GET", re.compile(base + r"org/example$"), callback=self.show_org)
            yield mock


def cve_api() -> CveApi:
    return CveApi(username="steward@example.org", org="example", api_key="test-key-not-a-secret", url=CVE_SERVICES_URL)


def cve_services_tool(store: MemoryState | None = None, sleeps: list[float] | None = None) -> CveServicesTool:
    slept = sleeps if sleeps is not None else []
    return CveServicesTool(cve_api(), store or MemoryState(), sleep=slept.append, year=lambda: 2032)


# ---------------------------------------------------------------- GitHub advisories


def advisory_json(ghsa_id: str, *, summary: str, state: str = "draft", cve_id: str | None = None) -> dict[str, Any]:
    """A repository advisory as GitHub returns it, parsed by githubkit's model so it cannot drift."""
    data: dict[str, Any] = {
        "ghsa_id": ghsa_id,
        "cve_id": cve_id,
        "url": f"{GITHUB_API}/repos/{OWNER}/{REPO}/security-advisories/{ghsa_id}",
        "html_url": f"https://github.com/{OWNER}/{REPO}/security/advisories/{ghsa_id}",
        "summary": summary,
        "description": summary,
        "severity": None,
        "author": None,
        "publisher": None,
        "identifiers": [{"type": "GHSA", "value": ghsa_id}] + ([{"type": "CVE", "value": cve_id}] if cve_id else []),
        "state": state,
        "created_at": "2031-01-02T03:04:05Z",
        "updated_at": "2031-01-02T03:04:05Z",
        "published_at": None,
        "closed_at": None,
        "withdrawn_at": None,
        "submission": None,
        "vulnerabilities": [
            {
                "package": {"ecosystem": "pip", "name": "example-widget"},
                "vulnerable_version_range": None,
                "patched_versions": None,
                "vulnerable_functions": None,
            }
        ],
        "cvss_severities": None,
        "cwes": None,
        "cwe_ids": None,
        "credits": None,
        "credits_detailed": None,
        "collaborating_users": None,
        "collaborating_teams": None,
        "private_fork": None,
    }
    RepositoryAdvisory.model_validate(data)
    return data


GHSA_ALPHABET = "23456789cfghjmpqrvwx"


def ghsa_for(number: int) -> str:
    """A well-formed, fictional GHSA id (GitHub's 20-letter alphabet, three groups of four)."""
    chars = ""
    for _ in range(12):
        number, digit = divmod(number, len(GHSA_ALPHABET))
        chars += GHSA_ALPHABET[digit]
    return "GHSA-" + "-".join(chars[i : i + 4] for i in (0, 4, 8))


@dataclass
class FakeGitHub:
    """Repository advisories of one repository: create, request CVE, list, update."""

    admin: bool = True
    advisories: dict[str, dict[str, Any]] = field(default_factory=dict)
    patches: list[dict[str, Any]] = field(default_factory=list)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(3001))

    def create(self, request: httpx.Request) -> httpx.Response:
        body = RepositoryAdvisoryCreate.model_validate(_json(request))
        ghsa_id = ghsa_for(next(self._ids))
        self.advisories[ghsa_id] = advisory_json(ghsa_id, summary=body.summary)
        return httpx.Response(201, json=self.advisories[ghsa_id])

    def request_cve(self, request: httpx.Request, ghsa_id: str) -> httpx.Response:
        if not self.admin:
            return httpx.Response(
                403, json={"message": "Must have admin rights", "documentation_url": "https://docs.example.org"}
            )
        cve_id = f"CVE-2033-{next(self._ids)}"
        self.advisories[ghsa_id] = advisory_json(ghsa_id, summary=self.advisories[ghsa_id]["summary"], cve_id=cve_id)
        return httpx.Response(202, json={})

    def listing(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=list(self.advisories.values()))

    def update(self, request: httpx.Request, ghsa_id: str) -> httpx.Response:
        body = _json(request)
        RepositoryAdvisoryUpdate.model_validate(body)
        if "state" in body and not self.admin:
            return httpx.Response(
                403, json={"message": "Must have admin rights", "documentation_url": "https://docs.example.org"}
            )
        self.patches.append(body)
        current = self.advisories[ghsa_id]
        current.update(body)
        RepositoryAdvisory.model_validate(current)
        return httpx.Response(200, json=current)

    def cve_of(self, ghsa_id: str) -> str:
        cve_id = self.advisories[ghsa_id]["cve_id"]
        assert isinstance(cve_id, str)
        return cve_id

    @contextmanager
    def serve(self) -> Iterator[respx.MockRouter]:
        base = f"/repos/{OWNER}/{REPO}/security-advisories"
        with respx.mock(base_url=GITHUB_API, assert_all_called=False) as router:
            router.post(base).mock(side_effect=self.create)
            router.get(base).mock(side_effect=self.listing)
            router.post(path__regex=base + r"/(?P<ghsa_id>GHSA-[\w-]+)/cve$").mock(side_effect=self.request_cve)
            router.patch(path__regex=base + r"/(?P<ghsa_id>GHSA-[\w-]+)$").mock(side_effect=self.update)
            yield router


def github() -> GitHub[Any]:
    return GitHub(TOKEN, auto_retry=False)


def ghsa_tool(store: MemoryState | None = None) -> GhsaTool:
    return GhsaTool(github(), store or MemoryState(), owner=OWNER, repo=REPO, ecosystem="pip", package="example-widget")


# ---------------------------------------------------------------- cve.org (MITRE form)


@dataclass
class FakeCveOrg:
    """The public cve.org record API: 404 until a record exists, then `cveMetadata.state`."""

    records: dict[str, dict[str, Any]] = field(default_factory=dict)

    def publish(self, cve_id: str, record: dict[str, Any]) -> None:
        published = copy.deepcopy(record)
        published["cveMetadata"]["state"] = "PUBLISHED"
        assert_valid_record(published)
        self.records[cve_id] = published

    def reject(self, cve_id: str) -> None:
        self.records[cve_id] = {
            "dataType": "CVE_RECORD",
            "dataVersion": "5.1",
            "cveMetadata": {"cveId": cve_id, "assignerOrgId": ORG_ID, "state": "REJECTED"},
            "containers": {
                "cna": {"providerMetadata": {"orgId": ORG_ID}, "rejectedReasons": [{"lang": "en", "value": "x"}]}
            },
        }

    def read(self, request: httpx.Request, cve_id: str) -> httpx.Response:
        if cve_id not in self.records:
            return httpx.Response(404, json={"error": "CVE_RECORD_DNE", "message": "The cve record does not exist."})
        return httpx.Response(200, json=self.records[cve_id])

    @contextmanager
    def serve(self) -> Iterator[respx.MockRouter]:
        with respx.mock(base_url=CVE_ORG_API, assert_all_called=False) as router:
            router.get(path__regex=r"cve/(?P<cve_id>CVE-[0-9-]+)$").mock(side_effect=self.read)
            yield router


# ---------------------------------------------------------------- contract harnesses


class Harness:
    """One adapter under the contract suite, plus the human or server steps its tool leaves to others."""

    name = ""

    def __init__(self) -> None:
        self.tool: CveTool = self.build()

    def build(self) -> CveTool:
        raise NotImplementedError

    @contextmanager
    def running(self) -> Iterator[None]:
        yield

    def allocate(self) -> str:
        result = self.tool.allocate("widget", _FIELDS)
        assert isinstance(result, str)
        return result

    def publish(self, cve_id: str) -> None:
        self.tool.publish(cve_id)

    def retract(self, cve_id: str, reason: str) -> None:
        self.tool.retract(cve_id, reason)


class VulnogramHarness(Harness):
    name = "vulnogram"

    def build(self) -> CveTool:
        self.fake = FakeVulnogram()
        return vulnogram_tool()

    @contextmanager
    def running(self) -> Iterator[None]:
        with self.fake.serve():
            yield


class CveServicesHarness(Harness):
    name = "cve-services"

    def build(self) -> CveTool:
        self.fake = FakeCveServices()
        return cve_services_tool()

    @contextmanager
    def running(self) -> Iterator[None]:
        with self.fake.serve():
            yield


class GhsaHarness(Harness):
    name = "ghsa"

    def build(self) -> CveTool:
        self.fake = FakeGitHub()
        return ghsa_tool()

    @contextmanager
    def running(self) -> Iterator[None]:
        with self.fake.serve():
            yield

    def allocate(self) -> str:
        pending = self.tool.allocate("widget", _FIELDS)
        assert isinstance(pending, Pending)
        return self.fake.cve_of(pending.ref)  # GitHub assigned the id; a human pastes it back


class MitreHarness(Harness):
    name = "mitre-form"

    def build(self) -> CveTool:
        self.fake = FakeCveOrg()
        self.store = MemoryState()
        self._ids = itertools.count(4001)
        return MitreFormTool(self.store)

    @contextmanager
    def running(self) -> Iterator[None]:
        with self.fake.serve():
            yield

    def allocate(self) -> str:
        tool = self.tool
        assert isinstance(tool, MitreFormTool)
        try:
            tool.allocate("widget", _FIELDS)
        except ManualAllocation as signal:
            assert signal.url == "https://cveform.mitre.org/" and _FIELDS.title in signal.text
        cve_id = f"CVE-2034-{next(self._ids)}"
        tool.receive_id(cve_id)
        return cve_id

    def publish(self, cve_id: str) -> None:
        try:
            self.tool.publish(cve_id)
        except HandOff as signal:
            assert cve_id in signal.text
            found = self.store.get(cve_id)
            assert found is not None
            self.fake.publish(cve_id, found[1])  # the human submitted the form

    def retract(self, cve_id: str, reason: str) -> None:
        try:
            self.tool.retract(cve_id, reason)
        except HandOff as signal:
            assert reason in signal.text
            self.fake.reject(cve_id)


class DemoHarness(Harness):
    name = "demo"

    def build(self) -> CveTool:
        return DemoTool(MemoryState(), is_demo=True)

    def allocate(self) -> str:
        cve_id = super().allocate()
        assert cve_id.startswith("CVE-2099-")
        return cve_id


HARNESSES: tuple[type[Harness], ...] = (VulnogramHarness, CveServicesHarness, GhsaHarness, MitreHarness, DemoHarness)


_FIELDS = AllocationFields(title="Example Widget: path traversal in the upload handler", message_id="<r1@example.org>")
