"""What every sync rule may read besides the tracker's own facts: config-derived values and the run's clock."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from steward.config.model import ProjectConfig
from steward.domain.labels import LabelContext
from steward.domain.roles import Field
from steward.patterns import PatternSet


@dataclass(frozen=True)
class SyncContext:
    """Rules are pure functions of (facts, ctx), so this holds values only, never a port (G5)."""

    config: ProjectConfig
    labels: LabelContext
    headings: Mapping[Field, str]
    patterns: PatternSet
    now: datetime
    identity: str

    @property
    def board_enabled(self) -> bool:
        return self.config.tracker.project_board_enabled

    @property
    def default_tlp(self) -> str:
        return str(self.config.disclosure.default_tlp)
