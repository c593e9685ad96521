"""Fictional `widget` facts for the pure sync rule tests: a tracker row, its body, and a SyncContext."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sample_project import sample_config

from steward.config.model import ProjectConfig
from steward.config.patterns_for import patterns_for
from steward.domain.fields import render_body
from steward.domain.labels import LabelContext, LabelNames
from steward.domain.roles import Field
from steward.store import TrackerRow
from steward.sync.context import SyncContext
from steward.sync.facts import PrFacts, TrackerFacts, build_facts

NOW = datetime(2031, 5, 6, 12, 0, tzinfo=UTC)
PR_URL = "https://github.com/example/widget/pull/77"
BASE = ["security issue", "TLP:AMBER+STRICT", "widget", "cve allocated"]


def make_ctx(**sections: Any) -> SyncContext:
    config = ProjectConfig.model_validate(sample_config(**sections))
    labels = LabelContext(names=LabelNames(config.tracker.labels.as_map()), scopes=frozenset(config.scopes()))
    return SyncContext(config, labels, config.tracker.body_fields.as_map(), patterns_for(config), NOW, "alex")


def pr(*, state: str = "open", merged: bool = False, login: str = "kit-example", name: str | None = "Kit Example",
       milestone: str | None = "2.1.0") -> PrFacts:  # fmt: skip
    return PrFacts(PR_URL, 77, state, merged, login, name, milestone)


@dataclass
class Maker:
    ctx: SyncContext

    def __call__(
        self,
        *,
        labels: list[str] | None = None,
        title: str = "Template loader follows symlinks outside the root",
        fields: Mapping[Field, str] | None = None,
        closed: str | None = None,
        board: str | None = "PR created",
        milestone: str | None = None,
        cve_id: str | None = None,
        **kw: Any,
    ) -> TrackerFacts:
        values = {Field.PR_WITH_FIX: PR_URL, Field.ISSUE_DESCRIPTION: "Fictional report."} | dict(fields or {})
        body = render_body(values, self.ctx.headings)
        row = TrackerRow(
            project="widget",
            number=4,
            title=title,
            body=body,
            state="closed" if closed else "open",
            close_reason=closed,
            labels=tuple(labels if labels is not None else [*BASE, "pr created"]),
            scope="widget",
            milestone=milestone,
            assignee=None,
            board_column=board,
            cve_id=cve_id,
            created_at=NOW,
            updated_at=NOW,
            closed_at=NOW if closed else None,
        )
        return build_facts(row, self.ctx, **kw)


def comment(author: str, body: str, n: int = 1) -> Any:
    """A stored tracker comment, the n-th in time order."""
    from datetime import timedelta

    from steward.store import CommentRow

    at = NOW - timedelta(days=30 - n)
    return CommentRow(n, 4, author, body, at, at)


def message(message_id: str, root: str, name: str, addr: str, sent: datetime | None = None) -> Any:
    from steward.store import MessageRow

    return MessageRow(message_id, root, "Report", name, addr, None, sent or NOW, False, None)
