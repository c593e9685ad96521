"""`import mail --apply all` killed with SIGKILL mid-run, then re-run: every thread has one tracker and one receipt.

The kill lands after the first tracker is committed (the test polls the store), wherever the process then is:
inside a transaction, between the sink write and the commit, or between two items. All mail is fictional.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest

from steward.cli.main import main
from steward.demo.inbox import write_inbox

THREADS = 240
SECURITY = "security@quill-wort.example.org"
COMMAND = "import steward.cli.import_commands; from steward.cli.main import run; run()"


def _message(index: int, now: datetime) -> bytes:
    message = EmailMessage(policy=policy.default)
    message["From"] = f"Reporter {index} <reporter{index}@mail.example.net>"
    message["To"] = SECURITY
    message["Subject"] = f"Quill Wort parser crash number {index} on crafted input"
    message["Date"] = (now - timedelta(hours=index % 48)).strftime("%a, %d %b %Y %H:%M:%S +0000")
    message["Message-ID"] = f"<crash-{index}@mail.example.net>"
    message["X-Steward-Fictional"] = "yes"
    message.set_content(
        f"The parser in quill_wort/parse{index}.py crashes on crafted input {index}.\n\n"
        "Steps to reproduce: feed it the attached file.\n"
    )
    return message.as_bytes(policy=policy.default.clone(linesep="\n"))


def _trackers(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.2) as conn:
            return int(conn.execute("SELECT count(*) FROM trackers").fetchone()[0])
    except sqlite3.Error:
        return 0


def _env(root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("STEWARD_CONFIG", "STEWARD_DATABASE_URL")}
    env.update(STEWARD_IDENTITY="alex", HOME=str(root.parent / "home"))
    return env


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("STEWARD_CONFIG", raising=False)
    monkeypatch.delenv("STEWARD_DATABASE_URL", raising=False)
    monkeypatch.setenv("STEWARD_IDENTITY", "alex")
    root = tmp_path / "proj"
    root.mkdir()
    monkeypatch.chdir(root)
    assert main(["init", "--name", "Quill Wort"]) == 0
    config = root / ".steward" / "project.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("security@quill-wort.invalid", SECURITY))
    now = datetime.now(UTC)
    write_inbox(root / ".steward" / "inbox", messages=[_message(i, now) for i in range(THREADS)])
    return root


def _drafts(root: Path) -> list[Any]:
    folder = root / ".steward" / "drafts" / ".Drafts" / "cur"
    return [BytesParser(policy=policy.default).parsebytes(p.read_bytes()) for p in sorted(folder.iterdir())]


def test_kill_during_apply_then_rerun_doubles_nothing(project: Path) -> None:
    db = project / ".steward" / "steward.db"
    argv = [sys.executable, "-c", COMMAND, "import", "mail", "--apply", "all", "--quiet"]
    child = subprocess.Popen(argv, cwd=project, env=_env(project), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        while child.poll() is None and _trackers(db) < 1:
            time.sleep(0.005)
        killed = child.poll() is None
        if killed:
            child.send_signal(signal.SIGKILL)
        child.wait(timeout=120)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert killed, "the import finished before it could be killed; make THREADS larger"
    assert 1 <= _trackers(db) < THREADS

    rerun = subprocess.run(
        argv, check=False, cwd=project, env=_env(project), capture_output=True, text=True, timeout=600
    )
    assert rerun.returncode == 0, rerun.stderr

    with sqlite3.connect(db) as conn:
        refs = Counter(r for (r,) in conn.execute("SELECT root_message_id FROM mail_thread_refs"))
        trackers = int(conn.execute("SELECT count(*) FROM trackers").fetchone()[0])
    expected = {f"<crash-{i}@mail.example.net>" for i in range(THREADS)}
    assert set(refs) == expected
    assert all(n == 1 for n in refs.values())
    assert trackers == THREADS
    receipts = Counter(str(d["References"]).split()[0] for d in _drafts(project))
    assert set(receipts) == expected
    assert all(n == 1 for n in receipts.values())
    assert main(["audit", "verify"]) == 0
