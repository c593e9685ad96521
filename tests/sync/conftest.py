"""Fixtures for the pure sync rule tests (helpers live in sync_rule_support)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sync_rule_support import Maker, make_ctx

from steward.sync.context import SyncContext
from steward.sync.facts import TrackerFacts


@pytest.fixture(scope="session")
def ctx() -> SyncContext:
    return make_ctx()


@pytest.fixture
def make(ctx: SyncContext) -> Callable[..., TrackerFacts]:
    return Maker(ctx)
