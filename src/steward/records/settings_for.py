"""Build the generator's RecordSettings from the resolved project configuration (the only bridge)."""

from __future__ import annotations

from urllib.parse import urlsplit

from steward import __version__
from steward.config.model import ProjectConfig
from steward.config.patterns_for import overrides
from steward.records.inputs import RecordSettings, ScopeSettings


def _host(url: str | None) -> str | None:
    return urlsplit(url).hostname if url else None


def cna_tool_host(config: ProjectConfig) -> str | None:
    """The CNA tool's host: never exported, never in reporter mail (§9.5, §10.3)."""
    authority = config.cve_authority
    for candidate in (
        authority.record_url_template,
        authority.allocate_url,
        authority.vulnogram.base_url,
        authority.source_tab_url_template,
    ):
        host = _host(str(candidate).replace("{cve_id}", "x")) if candidate else None
        if host:
            return host
    return None


def settings_for(config: ProjectConfig) -> RecordSettings:
    scopes = {
        name: ScopeSettings(
            product=scope.product or config.product.name,
            package_name=scope.package_name or config.product.package_name,
            collection_url=str(scope.collection_url) if scope.collection_url else None,
            version_scheme=scope.version_scheme or config.product.version_scheme,
            registry=scope.registry,
        )
        for name, scope in config.scopes().items()
    }
    return RecordSettings(
        org_id=config.cve_authority.org_id,
        product_name=config.product.name,
        product_vendor=config.product.vendor,
        package_name=config.product.package_name,
        product_short_name=config.product.short_name,
        version_scheme=config.product.version_scheme,
        registry=config.product.registry,
        record_format=config.cve_authority.record_format,
        scopes=scopes,
        advisory_hosts=tuple(config.archive_system.advisory_hosts),
        tracker_base_url=str(config.tracker.base_url) if config.tracker.base_url else None,
        tracker_slug=config.tracker.repo,
        cna_tool_host=cna_tool_host(config),
        private_url_patterns=tuple(config.archive_system.private_url_patterns),
        upstream_repo=config.tracker.upstream_repo,
        demo=config.project_kind == "demo",
        steward_version=__version__,
        severity_scale=tuple(config.product.severity_scale),
        trigger_phrases=tuple(config.product.trigger_phrases),
        foreign_project_names=tuple(config.confidentiality.foreign_project_names),
        foundation=config.foundation,
        pattern_overrides=overrides(config),
    )
