"""`steward cve json` / `cve validate`: strict where the record leaves steward, G8 exit codes for bad bodies."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

Run = Callable[..., Any]

BODY = """### The issue description

Loader follows symlinks.

### Short public summary for publish

Quill Wort before 2.7.1 lets an attacker with template-editing rights read files outside the search path when
symlink following is enabled. Upgrade to quill-wort 2.7.1 or later.

### Affected versions

{affected}

### Reporter credited as

Mira Testwell

### CWE

CWE-22: Improper Limitation of a Pathname to a Restricted Directory ('Path Traversal')

### Severity

high
"""


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run: Run) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("STEWARD_IDENTITY", "alex")
    monkeypatch.delenv("STEWARD_DATABASE_URL", raising=False)
    assert run("demo", "--dir", "demo").code == 0
    monkeypatch.chdir(tmp_path / "demo")
    return tmp_path / "demo"


def test_every_demo_tracker_with_a_cve_exports_a_valid_record(demo: Path, run: Run, tmp_path: Path) -> None:
    listed = run("list", "--json").json()
    exported = 0
    for tracker in listed["trackers"]:
        if not tracker["cve_id"]:
            continue
        out = tmp_path / f"{tracker['number']}.json"
        result = run("cve", "json", str(tracker["number"]), "--out", str(out))
        if tracker["state"] == "cve-allocated":  # NEXT VERSION bound: strict export refuses, naming the line
            assert result.code == 3
            assert "NEXT VERSION" in result.err
            assert not out.exists()
            continue
        assert result.code == 0, result.err
        record = json.loads(out.read_text())
        assert record["containers"]["cna"]["x_steward"] == {"demo": True}
        assert record["containers"]["cna"]["descriptions"][0]["value"].startswith("FICTIONAL DEMO DATA")
        assert run("cve", "validate", str(out)).code == 0
        text = out.read_text()
        assert "127.0.0.1:8000/trackers" not in text
        assert "mail.example.net" not in text
        exported += 1
    assert exported >= 4


def test_cve_json_prints_draft_without_out(demo: Path, run: Run) -> None:
    result = run("cve", "json", "1")
    assert result.code == 0
    json.loads(result.out)
    assert "gap:" in result.err


def test_standalone_body_file(project: Path, run: Run, tmp_path: Path) -> None:
    body = tmp_path / "body.md"
    body.write_text(BODY.format(affected="`< 2.7.1`"))
    out = tmp_path / "record.json"
    result = run(
        "cve", "json", "--body-file", str(body), "--title", "Loader follows symlinks outside the search path",
        "--cve-id", "CVE-2026-12345", "--out", str(out),
    )  # fmt: skip
    # the fresh project has no org_id: the record cannot validate, so strict output is refused (exit 3)
    assert result.code == 3
    assert "providerMetadata" in result.err or "orgId" in result.err
    assert not out.exists()


def test_standalone_unparsable_versions_is_exit_2(project: Path, run: Run, tmp_path: Path) -> None:
    body = tmp_path / "body.md"
    body.write_text(BODY.format(affected="`2.x and later`"))
    result = run("cve", "json", "--body-file", str(body), "--title", "Loader follows symlinks outside the path")
    assert result.code == 2
    assert "line 1" in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_stored_unparsable_versions_is_exit_3(project: Path, run: Run, tmp_path: Path) -> None:
    db_body = tmp_path / "ok.md"
    db_body.write_text("### The issue description\n\nSymlinks.\n")
    assert run("new", "--title", "Loader follows symlinks outside the path", "--body-file", str(db_body)).code == 0
    from steward.app import open_app

    app = open_app(project / ".steward" / "project.yml")
    from steward.domain.fields import set_field
    from steward.domain.roles import Field

    with app.store.transaction(app.slug, actor="alex", command="test") as tx:
        row = tx.get_tracker(1)
        tx.update_tracker(1, body=set_field(row.body, Field.AFFECTED_VERSIONS, "`2.x and later`"))
    app.store.close()
    result = run("cve", "json", "1", "--out", str(tmp_path / "r.json"), "--cve-id", "CVE-2026-12345")
    assert result.code == 3
    assert "line 1" in result.err


def test_demo_ids_refused_outside_demo(project: Path, run: Run, tmp_path: Path) -> None:
    body = tmp_path / "body.md"
    body.write_text(BODY.format(affected="`< 2.7.1`"))
    result = run("cve", "json", "--body-file", str(body), "--title", "Loader follows symlinks outside the path",
                 "--cve-id", "CVE-2099-10001")  # fmt: skip
    assert result.code == 3
    assert "demo" in result.err


def test_validate_reports_paths(tmp_path: Path, run: Run) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"dataType": "CVE_RECORD", "dataVersion": "5.1", "cveMetadata": {}}))
    result = run("cve", "validate", str(bad), "--json")
    assert result.code == 3
    reports = json.loads(result.out)
    assert reports[0]["valid"] is False
    assert all(e["path"].startswith("$") for e in reports[0]["errors"])
    garbage = tmp_path / "garbage.json"
    garbage.write_text("{nope")
    assert run("cve", "validate", str(garbage)).code == 2
