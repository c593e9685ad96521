"""Composition root: configuration → store → the acting user, for one command run."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

from steward.config.loader import LoadedConfig, find_config, load_config
from steward.config.model import Member, ProjectConfig
from steward.config.patterns_for import patterns_for
from steward.domain.labels import LabelContext, LabelNames
from steward.domain.roles import Field
from steward.errors import ConfigError, Refused
from steward.identity import acting_identity
from steward.patterns import PatternSet
from steward.store import Store

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def store_url(root: Path, env: Mapping[str, str]) -> str:
    """STEWARD_DATABASE_URL, else the SQLite file beside project.yml."""
    explicit = env.get("STEWARD_DATABASE_URL", "").strip()
    if explicit:
        return explicit
    return f"sqlite:///{root / '.steward' / 'steward.db'}"


@dataclass
class App:
    """Everything one command needs; built once per run."""

    loaded: LoadedConfig
    store: Store
    identity: str
    clock: Clock = field(default=utc_now)

    @property
    def config(self) -> ProjectConfig:
        return self.loaded.config

    @property
    def slug(self) -> str:
        return self.config.project

    @cached_property
    def labels(self) -> LabelContext:
        names = LabelNames(self.config.tracker.labels.as_map())
        return LabelContext(names=names, scopes=frozenset(self.config.scopes()))

    @cached_property
    def headings(self) -> Mapping[Field, str]:
        return self.config.tracker.body_fields.as_map()

    @cached_property
    def patterns(self) -> PatternSet:
        return patterns_for(self.config)

    def member(self) -> Member:
        """The acting user's roster entry; a non-member is refused (spec §1.3)."""
        found = self.config.roster.member(self.identity)
        if found is None:
            raise Refused(
                f"{self.identity!r} is not on the roster of {self.slug}; add them under roster.members in "
                f"{self.loaded.path} or set STEWARD_IDENTITY to a roster handle."
            )
        return found

    def passes_allocation_gate(self) -> bool:
        """`governance.cve_allocation_gate` for the acting user (§7.1); also guards retraction and T7 by hand."""
        member = self.config.roster.member(self.identity)
        if member is None:
            return False
        roles = {str(r) for r in member.roles}
        wanted = {"pmc-member": "governance", "maintainer": "maintainer"}.get(
            self.config.governance.cve_allocation_gate
        )
        return wanted is None or wanted in roles

    def now(self) -> datetime:
        return self.clock()


def open_app(
    config_path: Path | None = None,
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    clock: Clock = utc_now,
) -> App:
    env = os.environ if env is None else env
    path = find_config(cwd or Path.cwd(), config_path)
    loaded = load_config(path)
    store = Store.open(store_url(loaded.root, env), clock=clock)
    app = App(loaded=loaded, store=store, identity=acting_identity(env), clock=clock)
    if app.slug not in {p.slug for p in store.projects()}:
        store.close()
        raise ConfigError(
            f"the store at {store.url} holds no project {app.slug!r}; run `steward init` in {loaded.root} "
            "or point STEWARD_DATABASE_URL at the right database."
        )
    return app
