"""`steward pii add TYPE VALUE`: keyed ids, idempotent, audited, collisions stop, values never echoed (spec §10.4).

All values are invented.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import steward.cli.pii_commands  # noqa: F401 - registers `pii add` on the shared app
from steward.app import App, open_app
from steward.intake.pii import pii_id

Run = Callable[..., Any]


def app_of(root: Path) -> App:
    return open_app(root / ".steward" / "project.yml", env={"STEWARD_IDENTITY": "alex"})


def secret(root: Path) -> bytes:
    application = app_of(root)
    with application.store.read(application.slug) as reader:
        return reader.get_secret()


def stored(root: Path) -> dict[str, Any]:
    application = app_of(root)
    with application.store.read(application.slug) as reader:
        return {"pii": reader.pii_mapping()["entries"], "audit": len(reader.list_audit())}


def test_add_stores_the_keyed_id_and_prints_only_it(project: Path, run: Run) -> None:
    before = stored(project)
    result = run("pii", "add", "N", "Morgan Q. Sample")
    assert result.code == 0, result.err
    ident = pii_id("N", "Morgan Q. Sample", secret(project))
    assert result.out.strip() == f"Added {ident} to the PII mapping."
    after = stored(project)
    assert after["pii"] == {ident: {"type": "N", "value": "Morgan Q. Sample"}}
    assert after["audit"] == before["audit"] + 1


def test_adding_the_same_value_again_writes_nothing(project: Path, run: Run) -> None:
    assert run("pii", "add", "H", "@morgan-sample").code == 0
    before = stored(project)
    again = run("pii", "add", "h", "  @Morgan-Sample ")
    assert again.code == 0, again.err
    assert "already in the PII mapping; nothing written" in again.out
    assert stored(project) == before


def test_json_output(project: Path, run: Run) -> None:
    result = run("pii", "add", "A", "12 Sample Lane, Exampletown", "--json")
    assert result.code == 0
    assert result.json() == {
        "id": pii_id("A", "12 Sample Lane, Exampletown", secret(project)),
        "type": "A",
        "written": True,
    }


@pytest.mark.parametrize("code", ["E", "P", "IP", "ip"])
def test_automatic_types_are_refused(project: Path, run: Run, code: str) -> None:
    result = run("pii", "add", code, "someone@mail.example.net")
    assert result.code == 2
    assert "found automatically" in result.err
    assert stored(project)["pii"] == {}


def test_unknown_type_and_empty_value_are_usage_errors(project: Path, run: Run) -> None:
    assert run("pii", "add", "X", "Morgan").code == 2
    empty = run("pii", "add", "N", "   ")
    assert empty.code == 2
    assert "VALUE is empty" in empty.err
    assert run("pii", "add", "N", "N-0123456789ab").code == 2


def test_collision_on_one_id_exits_one_and_never_echoes_the_stored_value(project: Path, run: Run) -> None:
    ident = pii_id("N", "Morgan Sample", secret(project))
    application = app_of(project)
    with application.store.transaction(application.slug, actor="alex", command="test") as tx:
        tx.add_pii(ident, "N", "Totally Different Person")
    before = stored(project)
    result = run("pii", "add", "N", "Morgan Sample")
    assert result.code == 1
    assert ident in result.err
    assert "Totally Different Person" not in result.out + result.err
    assert stored(project) == before


def test_non_member_is_refused(project: Path, run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STEWARD_IDENTITY", "stranger")
    result = run("pii", "add", "N", "Morgan Sample")
    assert result.code == 3
    assert stored(project)["pii"] == {}
