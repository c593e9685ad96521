"""The one scope a tracker belongs to, and the values sync reads from it with their `product.*` fallbacks."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from steward.config.model import Scope

from .context import SyncContext


@dataclass(frozen=True)
class ScopeView:
    name: str | None
    scope: Scope | None
    package_name: str
    version_scheme: str
    registry: str
    milestone_scheme: str
    versions_convention: str


def scope_of(labels: Iterable[str], ctx: SyncContext) -> ScopeView:
    """The tracker's single scope; with none or several, the product defaults (S14/S15 handle the labels)."""
    config = ctx.config
    names = ctx.labels.scope_labels(tuple(labels))
    scopes = config.scopes()
    name = names[0] if len(names) == 1 else None
    scope = scopes.get(name) if name else None
    if scope is None and len(scopes) == 1:
        name, scope = next(iter(scopes.items()))
    product = config.product
    return ScopeView(
        name=name,
        scope=scope,
        package_name=(scope.package_name if scope else None) or product.package_name,
        version_scheme=str((scope.version_scheme if scope else None) or product.version_scheme),
        registry=str((scope.registry if scope else None) or product.registry),
        milestone_scheme=scope.milestone_scheme if scope else "version",
        versions_convention=scope.versions_convention if scope else "all-before-fix",
    )
