"""`steward import mail` through the CLI: dry run, --json shape, apply, idempotent re-runs, selectors, hostile mail.

The project is the fictional demo (its trackers give follow-ups something to name) plus config that makes the
example relay domains detectable; the inbox is the bundled fictional one. Everything is fictional
(example.org / example.net addresses, invented names).
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from collections.abc import Callable
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import steward.cli.import_commands  # noqa: F401 - registers `import mail` on the shared app
from steward.app import App, open_app
from steward.demo.build import build_demo
from steward.demo.inbox import DEMO_FORWARDERS_YAML, ROSTER_MAIL, write_inbox

Run = Callable[..., Any]
IDENTITY = "alex"
SECURITY = "security@quillwort.example.org"


def _corpus() -> ModuleType:
    """tests/intake/hostile_corpus.py, however pytest was pointed at the tests."""
    loaded = sys.modules.get("hostile_corpus")
    if loaded is not None:
        return loaded
    path = Path(__file__).resolve().parents[1] / "intake" / "hostile_corpus.py"
    spec = importlib.util.spec_from_file_location("hostile_corpus", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["hostile_corpus"] = module
    spec.loader.exec_module(module)
    return module


def configure_demo(root: Path, *, extra: str = "") -> None:
    """The demo project plus what makes relays detectable and roster replies recognisable."""
    path = root / ".steward" / "project.yml"
    text = path.read_text(encoding="utf-8")
    if "trusted_authserv_id" in text:  # the shipped demo configuration already points the relays at the demo
        path.write_text(text + extra, encoding="utf-8")
        return
    text = text.replace(
        f"security_inbox:\n  address: {SECURITY}\n",
        f"security_inbox:\n  address: {SECURITY}\n  trusted_authserv_id: mx.quillwort.example.org\n",
    )
    text = text.replace(
        "      name: Robin Example (fictional)\n",
        f"      name: Robin Example (fictional)\n      emails: [{ROSTER_MAIL}]\n",
    )
    text += "\nforwarders:" + DEMO_FORWARDERS_YAML.split("forwarders:", 1)[1] + extra
    path.write_text(text, encoding="utf-8")


def build_template(directory: Path) -> Path:
    root = build_demo(directory, identity=IDENTITY, with_inbox=False)
    configure_demo(root)
    return root


def copy_project(template: Path, target: Path) -> Path:
    shutil.copytree(template, target)
    return target


def app_for(root: Path) -> App:
    return open_app(root / ".steward" / "project.yml", env={"STEWARD_IDENTITY": IDENTITY})


def draft_messages(root: Path) -> list[EmailMessage]:
    folder = root / ".steward" / "drafts" / ".Drafts" / "cur"
    out: list[EmailMessage] = []
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        parsed = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        assert isinstance(parsed, EmailMessage)
        out.append(parsed)
    return out


def tree_bytes(root: Path) -> dict[str, bytes]:
    """Every file under .steward (store, drafts, inbox) by relative path: a dry run must leave it identical."""
    base = root / ".steward"
    return {str(p.relative_to(base)): p.read_bytes() for p in sorted(base.rglob("*")) if p.is_file()}


# ---------------------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_template(tmp_path_factory.mktemp("template") / "demo")


@pytest.fixture
def demo(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.delenv("STEWARD_CONFIG", raising=False)
    monkeypatch.delenv("STEWARD_DATABASE_URL", raising=False)
    monkeypatch.setenv("STEWARD_IDENTITY", IDENTITY)
    root = copy_project(template, tmp_path / "demo")
    write_inbox(root / ".steward" / "inbox")
    monkeypatch.chdir(root)
    return root


def proposal(run: Run, *args: str) -> dict[str, Any]:
    result = run("import", "mail", "--json", *args)
    assert result.code == 0, result.err
    data = result.json()
    assert isinstance(data, dict)
    return data


def by_class(data: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for item in data["candidates"]:
        out.setdefault(item["class"], []).append(item)
    return out


def numbered(data: dict[str, Any], message_key: str) -> int:
    mid = f"<quillwort-demo-{message_key}@mail.example.net>"
    return int(next(c["number"] for c in data["candidates"] if c["message_id"] == mid))


def store_counts(root: Path) -> tuple[int, int, int]:
    app = app_for(root)
    try:
        with app.store.read(app.slug) as reader:
            return reader.count_trackers(), len(reader.list_audit()), len(reader.list_rejections())
    finally:
        app.store.close()


# ---------------------------------------------------------------------------------------------- dry run


def test_dry_run_writes_nothing(demo: Path, run: Run) -> None:
    before = tree_bytes(demo)
    result = run("import", "mail")
    assert result.code == 0, result.err
    assert "1. [report] create:" in result.out
    assert "Not imported" in result.out
    assert tree_bytes(demo) == before


def test_json_shape(demo: Path, run: Run) -> None:
    data = proposal(run)
    assert {"candidates", "skipped", "messages", "threads", "window", "source", "project"} <= set(data)
    required = {"message_id", "subject", "class", "action", "relay", "credit", "duplicates", "title", "reasons"}
    for item in data["candidates"]:
        assert required <= set(item)
        assert isinstance(item["subject"], str) and isinstance(item["title"], str)
        assert isinstance(item["reasons"], list) and all(isinstance(r, str) for r in item["reasons"])
        assert item["relay"] is None or isinstance(item["relay"], str)
        assert item["credit"] is None or isinstance(item["credit"], str)
        for dup in item["duplicates"]:
            assert set(dup) == {"tracker", "message_id", "signal", "strength"}
            assert dup["strength"] in ("STRONG", "MEDIUM", "WEAK")
    assert [c["number"] for c in data["candidates"]] == list(range(1, len(data["candidates"]) + 1))
    assert any(c["duplicates"] for c in data["candidates"])
    classes = by_class(data)
    for cls in (
        "report",
        "report-converged",
        "cross-thread-followup",
        "fix-already-public",
        "consolidated-multi-issue",
        "automated-scanner",
        "media-request",
        "beg-bounty",
    ):
        assert cls in classes, cls
    relays = {c["relay"] for c in data["candidates"] if c["relay"]}
    assert relays == {"asf-security", "huntr", "hackerone", "ghsa"}
    reasons = " ".join(s["reason"] for s in data["skipped"])
    for dropped in ("(spam)", "(cve-tool-bookkeeping)", "(unparsable)", "already responded"):
        assert dropped in reasons
    assert data["messages"] >= 30


# ---------------------------------------------------------------------------------------------- apply


def test_apply_all_creates_trackers_drafts_rollups_and_audit(demo: Path, run: Run) -> None:
    data = proposal(run)
    creates = [c for c in data["candidates"] if c["action"] in ("create", "merge", "link")]
    trackers_before, audit_before, _ = store_counts(demo)
    result = run("import", "mail", "--apply", "all", "--json")
    assert result.code == 0, result.err
    applied = result.json()["result"]["applied"]  # type: ignore[index]
    assert [a["message_id"] for a in applied] == [c["message_id"] for c in creates]
    trackers_after, audit_after, _ = store_counts(demo)
    assert trackers_after == trackers_before + len(creates)
    assert audit_after > audit_before
    app = app_for(demo)
    try:
        with app.store.read(app.slug) as reader:
            first = next(a for a in applied if a["message_id"] == "<quillwort-demo-r01@mail.example.net>")
            row = reader.get_tracker(first["tracker"])
            assert set(row.labels) == {"needs triage", "security issue", "TLP:AMBER+STRICT"}
            assert row.board_column == "Needs triage"
            assert "Root Message-ID: `<quillwort-demo-r01@mail.example.net>`" in row.body
            comments = reader.list_comments(row.number)
            assert any("Import (report, Mira Testwell)" in c.body for c in comments)
            assert any(f"Reporter notification drafted: {first['draft']}." in c.body for c in comments)
            keys = {e.item_key for e in reader.list_audit(row.number)}
            assert "import:<quillwort-demo-r01@mail.example.net>:create" in keys
            assert [m.message_id for m in reader.thread_messages("<quillwort-demo-r01@mail.example.net>")] == [
                "<quillwort-demo-r01@mail.example.net>",
                "<quillwort-demo-r01b@mail.example.net>",
            ]
            converged = next(a for a in applied if a["message_id"] == "<quillwort-demo-c01@mail.example.net>")
            assert converged["draft"] is None
            unverified = next(a for a in applied if a["message_id"] == "<quillwort-demo-v02@mail.example.net>")
            notes = " ".join(c.body for c in reader.list_comments(unverified["tracker"]))
            assert "No reporter notification: no reporter on this path (unverified relay)." in notes
            assert "(via huntr)" not in reader.get_tracker(unverified["tracker"]).body
    finally:
        app.store.close()
    assert run("audit", "verify").code == 0
    drafts = {str(d["X-Steward-Key"]): d for d in draft_messages(demo)}
    receipt = drafts[first["draft"]]
    assert receipt["Subject"] == "Re: Quillwort: include tag reads files outside the template root"
    assert receipt["In-Reply-To"] == "<quillwort-demo-r01b@mail.example.net>"
    assert str(receipt["References"]).split() == [
        "<quillwort-demo-r01@mail.example.net>",
        "<quillwort-demo-r01b@mail.example.net>",
    ]
    assert receipt["To"] == "mira@mail.example.net"
    assert receipt["Cc"] == SECURITY
    body = receipt.get_content()
    assert "TLP:AMBER+STRICT" in body and "How would you like to be credited" in body
    encrypted = next(a for a in applied if a["message_id"] == "<quillwort-demo-r08@mail.example.net>")
    assert "ENCRYPT BEFORE SENDING" in drafts[encrypted["draft"]].get_content()


def test_rerun_creates_nothing_twice(demo: Path, run: Run) -> None:
    assert run("import", "mail", "--apply", "all").code == 0
    counts = store_counts(demo)
    drafts = len(draft_messages(demo))
    again = run("import", "mail", "--apply", "all", "--json")
    assert again.code == 0, again.err
    assert again.json()["result"]["applied"] == []  # type: ignore[index]
    assert store_counts(demo) == counts
    assert len(draft_messages(demo)) == drafts
    left = proposal(run)
    assert not [c for c in left["candidates"] if c["action"] in ("create", "merge", "link")]


def test_selected_rejection_writes_ledger_and_draft_once(demo: Path, run: Run) -> None:
    data = proposal(run)
    number = numbered(data, "m01")
    result = run("import", "mail", "--apply", str(number), "--json")
    assert result.code == 0, result.err
    applied = result.json()["result"]["applied"]  # type: ignore[index]
    assert [a["action"] for a in applied] == ["reject"]
    trackers, _, ledger = store_counts(demo)
    assert ledger == 1
    draft = next(d for d in draft_messages(demo) if d["X-Steward-Key"] == applied[0]["draft"])
    assert draft["Cc"] == SECURITY and draft["To"] == "val@mail.example.net"
    assert "one issue per message" in draft.get_content()
    after = proposal(run)
    assert "<quillwort-demo-m01@mail.example.net>" not in {c["message_id"] for c in after["candidates"]}
    assert store_counts(demo)[0] == trackers


def test_follow_up_becomes_a_comment_once(demo: Path, run: Run) -> None:
    data = proposal(run)
    number = numbered(data, "f01")
    item = data["candidates"][number - 1]
    assert item["action"] == "comment" and item["target_tracker"] == 1
    assert run("import", "mail", "--apply", str(number)).code == 0
    app = app_for(demo)
    try:
        with app.store.read(app.slug) as reader:
            bodies = [c.body for c in reader.list_comments(1)]
    finally:
        app.store.close()
    assert sum("Follow-up mail at import" in b for b in bodies) == 1
    assert "<quillwort-demo-f01@mail.example.net>" not in {c["message_id"] for c in proposal(run)["candidates"]}


def test_refused_draft_writes_nothing(demo: Path, run: Run) -> None:
    """media-request needs product.press_contact; the whole selection is refused before the first item (G1)."""
    data = proposal(run)
    before = tree_bytes(demo)
    result = run("import", "mail", "--apply", f"1;{numbered(data, 'x01')}")
    assert result.code == 2
    assert "press_contact" in result.err
    assert tree_bytes(demo) == before


@pytest.mark.parametrize("selection", ["1:frobnicate", "everything", "1;bogus", "999", "1:bucket pr-worth"])
def test_bad_selector_is_exit_2_and_writes_nothing(demo: Path, run: Run, selection: str) -> None:
    before = tree_bytes(demo)
    result = run("import", "mail", "--apply", selection)
    assert result.code == 2, result.err
    assert tree_bytes(demo) == before


def test_acknowledgement_model_none_suppresses_the_receipt(demo: Path, run: Run) -> None:
    path = demo / ".steward" / "project.yml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "\ndisclosure:\n  reporter_acknowledgement_model: none\n", encoding="utf-8")
    result = run("import", "mail", "--apply", "1", "--json")
    assert result.code == 0, result.err
    applied = result.json()["result"]["applied"]  # type: ignore[index]
    assert applied[0]["draft"] is None
    app = app_for(demo)
    try:
        with app.store.read(app.slug) as reader:
            bodies = " ".join(c.body for c in reader.list_comments(applied[0]["tracker"]))
    finally:
        app.store.close()
    assert "suppressed by configuration (disclosure.reporter_acknowledgement_model=none)" in bodies


def test_trust_relay_applies_the_held_credit(demo: Path, run: Run) -> None:
    data = proposal(run)
    number = numbered(data, "v02")
    result = run("import", "mail", "--apply", f"{number};{number}:trust-relay", "--json")
    assert result.code == 0, result.err
    applied = result.json()["result"]["applied"]  # type: ignore[index]
    app = app_for(demo)
    try:
        with app.store.read(app.slug) as reader:
            body = reader.get_tracker(applied[0]["tracker"]).body
    finally:
        app.store.close()
    assert "Quinn Fakename" in body
    assert "(via huntr)" in body


def test_windows_and_thread(demo: Path, run: Run) -> None:
    assert proposal(run, "--since", "2000-01-01")["outside_window"] == 0
    assert proposal(run, "--last", "0d")["candidates"] == []
    one = proposal(run, "--thread", "<quillwort-demo-r03b@mail.example.net>")
    assert [c["message_id"] for c in one["candidates"]] == ["<quillwort-demo-r03@mail.example.net>"]
    assert run("import", "mail", "--last", "30", "--json").code == 2
    assert run("import", "mail", "--since", "2020-01-01", "--window").code == 2


# ---------------------------------------------------------------------------------------------- hostile mail


def test_hostile_corpus_imports_without_crashing(demo: Path, run: Run) -> None:
    inbox = demo / ".steward" / "hostile"
    raws = [
        c.raw.replace(b"<case@example.org>", f"<case-{i}@example.org>".encode())
        for i, c in enumerate(_corpus().cases())
    ]
    write_inbox(inbox, messages=raws)
    data = proposal(run, "--source", f"maildir:{inbox}", "--since", "2000-01-01")
    assert data["messages"] == len(raws)
    assert len(data["candidates"]) + len(data["skipped"]) + data["outside_window"] == data["threads"]
    assert all(s["reason"] for s in data["skipped"])
    result = run("import", "mail", "--source", f"maildir:{inbox}", "--since", "2000-01-01", "--apply", "all")
    assert result.code == 0, result.err
    assert "internal error" not in result.err
    again = proposal(run, "--source", f"maildir:{inbox}", "--since", "2000-01-01")
    assert not [c for c in again["candidates"] if c["action"] in ("create", "merge", "link")]
