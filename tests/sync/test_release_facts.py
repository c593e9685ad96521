"""§8.6 as a gathered fact: the registry is asked through an injected factory; failures are notes, never guesses."""

from __future__ import annotations

from datetime import UTC, datetime

from sync_rule_support import BASE, NOW, Maker, comment
from team_ctx import team_ctx

from steward.domain.fields import parse_fields
from steward.domain.roles import Field
from steward.errors import Refused
from steward.registry.interface import RegistryError, Release, ReleaseRegistry
from steward.sync.release_facts import check_release

CTX = team_ctx(product={"registry": "pypi"})
make = Maker(CTX)


class FakeRegistry(ReleaseRegistry):
    kind = "pypi"

    def __init__(self, published: dict[str, datetime], fail: bool = False) -> None:
        self.published, self.fail, self.asked = published, fail, []  # type: ignore[var-annotated]

    def find(self, package: str, version: str) -> Release | None:
        self.asked.append((package, version))
        if self.fail:
            raise RegistryError("pypi.example.org timed out; re-run sync later")
        at = self.published.get(version)
        return Release(package, version, at, False, False, f"https://pypi.example.org/{version}") if at else None


def _check(facts, registries):  # type: ignore[no-untyped-def]
    parsed = parse_fields(facts.row.body, CTX.headings)
    return check_release(
        facts.row, parsed, facts.comments, CTX, released=facts.operator.released, registries=registries
    )


def test_released_when_the_registry_lists_the_fix_version() -> None:
    registry = FakeRegistry({"2.1.0": datetime(2031, 5, 1, tzinfo=UTC)})
    facts = make(labels=[*BASE, "pr merged"], fields={Field.AFFECTED_VERSIONS: "`< 2.1.0`"})
    check, note = _check(facts, lambda kind: registry)
    assert note is None and check is not None and check.released
    assert registry.asked == [("example-widget", "2.1.0")]


def test_pending_and_failures_wait() -> None:
    facts = make(labels=[*BASE, "pr merged"], fields={Field.AFFECTED_VERSIONS: "`< 2.1.0`"})
    check, _ = _check(facts, lambda kind: FakeRegistry({}))
    assert check is not None and not check.released and check.pending
    check, _ = _check(facts, lambda kind: FakeRegistry({}, fail=True))
    assert check is not None and not check.released and "timed out" in check.pending[0]

    def refuse(kind: str) -> ReleaseRegistry:
        raise Refused(f"{kind} is not shipped")

    check, note = _check(facts, refuse)
    assert check is None and note is not None and "not shipped" in note


def test_without_an_adapter_only_the_teams_word_counts() -> None:
    facts = make(labels=[*BASE, "pr merged"], fields={Field.AFFECTED_VERSIONS: "`< 2.1.0`"})
    check, note = _check(facts, None)
    assert check is not None and not check.released and note is not None
    said = make(labels=[*BASE, "pr merged"], comments=[comment("alex", "Fix released in 2.1.0.")])
    check, _ = _check(said, None)
    assert check is not None and check.released
    assert NOW  # the fixed clock of the fictional project
