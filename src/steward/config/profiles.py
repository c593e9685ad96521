"""Organisation profiles (spec §13.1) and the framework-default layer, as plain layer dicts.

Resolution is project file → profile → framework default. Maps merge per key,
lists and scalars replace, so a project file restates only what differs from
its profile. Profile values use the spec's placeholders (`<project>`,
`<users-list>`, ...), filled from the resolved values of the same keys.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from steward.config.model import ProjectConfig
from steward.patterns import raw_defaults

Layer = dict[str, Any]

ORGANIZATIONS = ("asf", "independent")
DEFAULT_ORGANIZATION = "independent"


def _asf_private_url_patterns() -> list[str]:
    entry = raw_defaults()["entries"]["profiles.asf.archive_system.private_url_patterns"]
    return [spec["regex"] if isinstance(spec, Mapping) else str(spec) for spec in entry["items"].values()]


def profile(organization: str) -> Layer:
    """A fresh copy of one profile layer, placeholders unfilled."""
    if organization == "asf":
        return _asf()
    if organization == "independent":
        return _independent()
    raise KeyError(organization)


def _asf() -> Layer:
    vulnogram = "https://cveprocess.apache.org"
    return {
        "foundation": "Apache",
        "cve_authority": {
            "tool": "vulnogram",
            "allocate_url": f"{vulnogram}/allocatecve",
            "vulnogram": {"base_url": vulnogram, "pmc": "<project>"},
            "record_url_template": f"{vulnogram}/cve5/{{cve_id}}",
            "source_tab_url_template": f"{vulnogram}/cve5/{{cve_id}}#source",
            "email_preview_url_template": f"{vulnogram}/cve5/{{cve_id}}#email",
            "states": ["allocated", "review-ready", "publish-ready", "public"],
            "publication_propagation": "poll",
            "emits_allocation_email": True,
            "reviewer_channel": "mailing-list",
            "org_id": "f0158376-9dc2-43b6-827c-5f631a4d8d09",
            "request_address": "security@apache.org",
        },
        "governance": {"cve_allocation_gate": "pmc-member", "private_governance_list": "<private-list>"},
        "security_inbox": {
            "address": "security@<project>.apache.org",
            "foundation_security_address": "security@apache.org",
            "has_forwarder_relay": True,
        },
        "lists": {
            "users": "users@<project>.apache.org",
            "announce": "announce@apache.org",
            "dev": "dev@<project>.apache.org",
            "private": "private@<project>.apache.org",
        },
        "forwarders": {"enabled": ["asf-security"], "asf_security": {"ack_forwarder": False}},
        "mail_provider": {"primary": "maildir", "fallback": "none"},
        "archive_system": {
            "kind": "ponymail",
            "base_url": "https://lists.apache.org",
            "list_domain": "<project>.apache.org",
            "search_url_template": "https://lists.apache.org/list?{list}:{year}-{month}:{query}",
            "api_query_url_template": "https://lists.apache.org/api/thread.lua?list={list}&domain={list_domain}&q={query}",
            "advisory_publication_signal_url": "https://lists.apache.org/list.html?<users-list>",
            "advisory_hosts": ["lists.apache.org", "security.apache.org"],
            "announcement_lists": ["<users-list>", "<announce-list>"],
            "private_url_patterns": _asf_private_url_patterns(),
        },
        "tracker": {"platform": "sql", "board": {"kind": "embedded"}},
        "product": {"severity_scale": ["low", "moderate", "important", "critical"]},
        "disclosure": {"share_draft_advisory_with_reporter": True},
        "confidentiality": {"foreign_project_names": []},
    }


def _independent() -> Layer:
    return {
        "foundation": None,
        "cve_authority": {
            "tool": "mitre-form",
            "allocate_url": "https://cveform.mitre.org/",
            "record_url_template": None,
            "states": ["allocated", "public"],
            "publication_propagation": "manual",
            "emits_allocation_email": False,
            "reviewer_channel": "none",
            "org_id": None,
            "request_address": None,
        },
        "governance": {"cve_allocation_gate": "security-team-member", "private_governance_list": None},
        "security_inbox": {"foundation_security_address": None, "has_forwarder_relay": False},
        "forwarders": {"enabled": []},
        "mail_provider": {"primary": "maildir", "fallback": "none"},
        "archive_system": {
            "kind": "none",
            "list_domain": None,
            "search_url_template": None,
            "api_query_url_template": None,
            "advisory_publication_signal_url": None,
            "advisory_hosts": [],
            "announcement_lists": [],
            "private_url_patterns": [],
        },
        "tracker": {"platform": "sql", "board": {"kind": "embedded"}},
        "product": {"severity_scale": ["low", "medium", "high", "critical"]},
        "disclosure": {"share_draft_advisory_with_reporter": False},
        "confidentiality": {"foreign_project_names": []},
    }


def merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> Layer:
    """`over` on top of `base`: mappings merge per key, anything else replaces."""
    out: Layer = copy.deepcopy(dict(base))
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


_PLACEHOLDER = re.compile(r"<(project|users-list|announce-list|dev-list|private-list|security-list)>")


class _Missing(Exception):
    pass


def substitute(value: Any, values: Mapping[str, str | None]) -> Any:
    """Fill the placeholders named in `values`; one whose value is None empties its string (None) or list item."""
    if isinstance(value, str):
        try:
            return _PLACEHOLDER.sub(lambda m: _lookup(values, m.group(1), m.group(0)), value)
        except _Missing:
            return None
    if isinstance(value, list):
        filled = [substitute(item, values) for item in value]
        return [item for item, raw in zip(filled, value, strict=True) if item is not None or raw is None]
    if isinstance(value, Mapping):
        return {key: substitute(item, values) for key, item in value.items()}
    return value


def _lookup(values: Mapping[str, str | None], name: str, placeholder: str) -> str:
    if name not in values:
        return placeholder
    found = values[name]
    if not isinstance(found, str) or not found:
        raise _Missing(name)
    return found


def _get(layer: Mapping[str, Any], dotted: str) -> Any:
    node: Any = layer
    for part in dotted.split("."):
        if not isinstance(node, Mapping):
            return None
        node = node.get(part)
    return node


def placeholder_values(resolved: Mapping[str, Any]) -> dict[str, str | None]:
    """The placeholder values a partly resolved configuration provides."""

    def text(dotted: str) -> str | None:
        value = _get(resolved, dotted)
        return value if isinstance(value, str) else None

    return {
        "project": text("project"),
        "users-list": text("lists.users"),
        "announce-list": text("lists.announce"),
        "dev-list": text("lists.dev"),
        "private-list": text("lists.private"),
        "security-list": text("security_inbox.address"),
    }


def default_layer(resolved: Mapping[str, Any]) -> Layer:
    """The framework defaults that depend on other values (`<project>/security`, the drafts URI, ...).

    Static defaults live on the pydantic models; these are derived from the
    project and profile layers, so they are computed after those are merged.
    Wrong types are left for validation to report.
    """
    layer: Layer = {}

    def put(dotted: str, value: Any) -> None:
        if value is None:
            return
        *parents, leaf = dotted.split(".")
        node = layer
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value

    project = _get(resolved, "project")
    project = project if isinstance(project, str) and project else None
    platform = _get(resolved, "tracker.platform") or "sql"
    if project:
        put("tracker.repo", f"{project}/security")
        put("comms.signature", f"The {project} security team")
    repo = _get(resolved, "tracker.repo")
    repo = repo if isinstance(repo, str) else (f"{project}/security" if project else None)
    if platform == "github":
        if repo:
            put("tracker.base_url", f"https://github.com/{repo}/issues/")
        put(
            "security_inbox.exclude_senders",
            ["notifications@github.com", "noreply@github.com", "security-noreply@github.com"],
        )
    else:
        put("tracker.base_url", "http://127.0.0.1:8000/trackers/")
    dev = _get(resolved, "lists.dev")
    if isinstance(dev, str):
        put("release_process.release_vote_list", dev)
    short_name = _get(resolved, "product.short_name")
    if isinstance(short_name, str) and short_name and not any(c.isspace() for c in short_name):
        put("product.code_pointer_token", short_name.lower())
    elif project:
        put("product.code_pointer_token", project)
    name = _get(resolved, "product.name")
    if isinstance(name, str) and name:
        put("product.affected_version_extract_prefix", name)
    primary = _get(resolved, "mail_provider.primary") or "maildir"
    if isinstance(primary, str):
        drafts = _get(resolved, "mail_provider.drafts") or (
            primary if primary in ("maildir", "imap", "gmail") else "maildir"
        )
        put("mail_provider.drafts", drafts)
        source = _get(resolved, "mail_provider.source_uri")
        if drafts == "imap" and isinstance(source, str) and source.startswith(("imap://", "imaps://")):
            server = re.sub(r"^(imaps?://[^/]+)(?:/.*)?$", r"\1", source)
            put("mail_provider.drafts_uri", f"{server}/Drafts")
        elif drafts == "maildir":
            put("mail_provider.drafts_uri", "maildir:.steward/drafts")
        put("mail_provider.mandatory", [primary])
    return layer


def static_defaults(model: type[BaseModel] = ProjectConfig) -> Layer:
    """Every default a model declares, as a layer: the static half of the framework default.

    Held as a layer (not only as pydantic defaults) so that a project restating
    one key of a default map, such as `disclosure.target_days_by_severity`,
    keeps the others.
    """
    layer: Layer = {}
    for name, info in model.model_fields.items():
        key = info.alias or name
        annotation = info.annotation
        if info.is_required():
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                layer[key] = static_defaults(annotation)
            continue
        default = info.get_default(call_default_factory=True)
        if isinstance(default, BaseModel):
            layer[key] = static_defaults(type(default))
        else:
            layer[key] = copy.deepcopy(default)
    return layer


def layers(project_layer: Mapping[str, Any], organization: str) -> tuple[Layer, Layer]:
    """(profile layer, framework-default layer) for a project layer, placeholders filled."""
    project = project_layer.get("project")
    first = substitute(profile(organization), {"project": project if isinstance(project, str) else None})
    partial = merge(first, project_layer)
    prof: Layer = substitute(first, placeholder_values(partial))
    default = merge(static_defaults(), default_layer(merge(prof, project_layer)))
    return prof, default
