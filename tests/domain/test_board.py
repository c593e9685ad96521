from __future__ import annotations

import pytest

from steward.domain.board import archived, column_for
from steward.domain.labels import LabelContext
from steward.domain.roles import Column

CTX = LabelContext(scopes=frozenset({"core", "ui"}))
BASE = {"security issue", "TLP:AMBER"}


@pytest.mark.parametrize(
    ("row", "labels", "closed", "previous", "column"),
    [
        (1, {"invalid"}, True, Column.NEEDS_TRIAGE, Column.NEEDS_TRIAGE),
        (1, {"core", "announced", "announced - emails sent"}, True, Column.FIX_RELEASED, Column.FIX_RELEASED),
        (1, {"core", "announced"}, True, None, Column.ANNOUNCED),
        (2, {"core", "announced", "announced - emails sent", "fix released"}, False, None, Column.ANNOUNCED),
        (2, {"core", "announced - emails sent"}, False, Column.ASSESSED, Column.ANNOUNCED),
        (3, {"core", "fix released", "pr merged"}, False, None, Column.FIX_RELEASED),
        (4, {"core", "pr merged", "pr created"}, False, None, Column.PR_MERGED),
        (5, {"core", "pr created", "needs triage"}, False, None, Column.PR_CREATED),
        (6, {"needs triage", "cve allocated", "core"}, False, None, Column.NEEDS_TRIAGE),
        (7, {"cve allocated", "core"}, False, None, Column.CVE_ALLOCATED),
        (8, {"ui"}, False, None, Column.ASSESSED),
        (9, set(), False, Column.PR_MERGED, Column.NEEDS_TRIAGE),
    ],
)
def test_column_rows(row: int, labels: set[str], closed: bool, previous: Column | None, column: Column) -> None:
    assert column_for(BASE | labels, closed, previous, CTX) is column, row


def test_closed_always_archives() -> None:
    assert archived(True)
    assert not archived(False)
