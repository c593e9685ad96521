from __future__ import annotations

import pytest

from steward.domain.labels import LabelContext, LabelNames, invariant_violations
from steward.domain.roles import DEFAULT_LABELS, CloseReason, Label
from steward.errors import ConfigError

CTX = LabelContext(scopes=frozenset({"core", "ui"}))
BASE = frozenset({"security issue", "TLP:AMBER"})


def rules(labels: set[str], closed: bool = False, reason: CloseReason | None = None) -> list[str]:
    return [v.rule for v in invariant_violations(frozenset(labels), closed, reason, CTX)]


def test_label_names_defaults_and_override() -> None:
    names = LabelNames({Label.PR_OPEN: "fix pr open"})
    assert names.of(Label.PR_OPEN) == "fix pr open"
    assert names.of(Label.NEEDS_TRIAGE) == DEFAULT_LABELS[Label.NEEDS_TRIAGE]
    assert names.role_of("fix pr open") is Label.PR_OPEN
    assert names.role_of("pr created") is None
    assert names.role_of("Needs Triage") is None
    assert hash(names) == hash(LabelNames({Label.PR_OPEN: "fix pr open"}))


def test_label_names_refuse_duplicates() -> None:
    with pytest.raises(ConfigError, match="both"):
        LabelNames({Label.PR_OPEN: "needs triage"})


def test_scope_clash_is_config_error() -> None:
    with pytest.raises(ConfigError, match="scope label"):
        LabelContext(scopes=frozenset({"duplicate"}))


def test_is_managed() -> None:
    assert CTX.is_managed("pr created")
    assert CTX.is_managed("TLP:RED")
    assert CTX.is_managed("core")
    assert not CTX.is_managed("help wanted")


@pytest.mark.parametrize(
    ("labels", "closed", "reason", "expected"),
    [
        (BASE | {"needs triage"}, False, None, []),
        (BASE | {"core"}, False, None, []),
        (BASE | {"core", "cve allocated", "pr merged"}, False, None, []),
        ({"TLP:AMBER", "needs triage"}, False, None, ["L-marker"]),
        (BASE | {"core", "pr created", "pr merged"}, False, None, ["L-fix-axis"]),
        (BASE | {"core", "announced"}, False, None, ["L-announced-pair"]),
        (BASE | {"core", "announced", "announced - emails sent"}, True, CloseReason.COMPLETED, []),
        (BASE, False, None, ["L-scope"]),
        (BASE | {"core", "ui"}, False, None, ["L-scope"]),
        (BASE | {"needs triage", "core", "ui"}, False, None, ["L-scope"]),
        (BASE | {"needs triage", "core"}, False, None, []),
        (BASE | {"needs triage", "pr created", "core"}, False, None, ["L-needs-triage"]),
        (BASE | {"needs triage", "invalid"}, True, CloseReason.NOT_PLANNED, ["L-needs-triage"]),
        (BASE | {"invalid"}, True, CloseReason.NOT_PLANNED, []),
        (BASE | {"invalid", "wontfix"}, True, CloseReason.NOT_PLANNED, ["L-disposition"]),
        (BASE | {"core", "invalid"}, False, None, ["L-disposition"]),
        (BASE | {"invalid"}, True, CloseReason.COMPLETED, ["L-disposition"]),
        (BASE, True, CloseReason.NOT_PLANNED, ["L-disposition"]),
        ({"security issue", "core"}, False, None, ["L-tlp"]),
        (BASE | {"TLP:RED", "core"}, False, None, ["L-tlp"]),
    ],
)
def test_invariants(labels: set[str], closed: bool, reason: CloseReason | None, expected: list[str]) -> None:
    assert rules(labels, closed, reason) == expected


def test_violation_messages_name_labels() -> None:
    (violation,) = invariant_violations(BASE | {"core", "pr created", "pr merged"}, False, None, CTX)
    assert "'pr created'" in violation.message
    assert violation.message.endswith(".")


def test_closed_tracker_needs_no_scope() -> None:
    assert rules(set(BASE) | {"invalid"}, True, CloseReason.NOT_PLANNED) == []
