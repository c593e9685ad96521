"""Build the configured CNA tool (spec §7.3) with its local records kept in the store."""

from __future__ import annotations

from typing import Any

from steward.app import App
from steward.cna import registry
from steward.cna.interface import CveTool, Record
from steward.config.secrets import resolve_secret
from steward.domain.lifecycle import RecordState
from steward.errors import Refused
from steward.store import Transaction

DEMO_COUNTER = "demo-cve"


class StoreRecords:
    """The `DemoState` / `LocalRecords` of the adapters, inside the caller's transaction."""

    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def get(self, cve_id: str) -> tuple[RecordState, Record] | None:
        row = self._tx.get_record_state(cve_id)
        return None if row is None else (RecordState(row.state), row.record)

    def put(self, cve_id: str, state: RecordState, record: Record) -> None:
        self._tx.put_record_state(cve_id, state.value, record)

    def next_id(self, start: int = 10001) -> int:
        return self._tx.next_counter(DEMO_COUNTER, start)


def tool_for(app: App, tx: Transaction) -> CveTool:
    config = app.config
    authority = config.cve_authority
    name = registry.canonical(authority.tool)
    options: dict[str, Any]
    if name == "demo":
        options = {"state": StoreRecords(tx), "is_demo": config.project_kind == "demo"}
    elif name == "none":
        options = {}
    elif name == "mitre-form":
        options = {"store": StoreRecords(tx)}
        if authority.allocate_url:
            options["form_url"] = str(authority.allocate_url)
    elif name == "vulnogram":
        vulnogram = authority.vulnogram
        if not vulnogram.base_url:
            raise Refused("cve_authority.vulnogram.base_url is not set; set it in project.yml to use vulnogram.")
        options = {
            "base_url": str(vulnogram.base_url),
            "allocate_url": str(authority.allocate_url or vulnogram.base_url),
            "pmc": vulnogram.pmc or config.project,
            "list_id": config.security_inbox.address,
            "token": resolve_secret(vulnogram.token, "cve_authority.vulnogram.token"),
        }
    elif name == "cve-services":
        options = {"api": _cve_services_api(app), "store": StoreRecords(tx)}
    elif name == "ghsa":
        options = _ghsa_options(app, tx)
    else:
        options = {}
    return registry.create(name, **options)


def _cve_services_api(app: App) -> Any:
    block = app.config.cve_authority.cve_services
    key = resolve_secret(block.api_key, "cve_authority.cve_services.api_key")
    if not (block.org and block.user and key):
        raise Refused(
            "cve_authority.cve_services needs org, user and api_key (a secret reference that resolves); "
            "set them in project.yml and the referenced environment variable or keyring entry."
        )
    try:
        from cvelib.cve_api import CveApi  # type: ignore[import-untyped,unused-ignore]
    except ImportError:
        raise Refused("the cve-services tool needs the cvelib package: pip install 'steward[cve-services]'.") from None
    return CveApi(username=block.user, org=block.org, api_key=key, env=block.env or "prod")


def _ghsa_options(app: App, tx: Transaction) -> dict[str, Any]:
    repo = app.config.cve_authority.ghsa.repo or app.config.tracker.upstream_repo
    token = resolve_secret("env:GITHUB_TOKEN", "cve_authority.ghsa (GITHUB_TOKEN)")
    if not token:
        raise Refused("the ghsa tool needs a GitHub token with advisory rights in GITHUB_TOKEN.")
    try:
        from githubkit import GitHub
    except ImportError:
        raise Refused("the ghsa tool needs the githubkit package: pip install 'steward[github]'.") from None
    owner, _, name = repo.partition("/")
    scheme = app.config.product.version_scheme
    ecosystem = {"pep440": "pip", "semver": "npm", "maven": "maven"}.get(scheme, "other")
    return {
        "github": GitHub(token),
        "store": StoreRecords(tx),
        "owner": owner,
        "repo": name,
        "ecosystem": ecosystem,
        "package": app.config.product.package_name,
    }
