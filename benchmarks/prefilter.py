"""Duplicate search against many trackers: `import mail` with and without `intake.fts_prefilter` (§5.4).

Run: `.venv/bin/python benchmarks/prefilter.py [TRACKERS] [MESSAGES]` (default 2,000 trackers, 100 new reports).
The baseline is the same dry run comparing every candidate with every tracker, measured in the same run on
the same SQLite store; the table shows candidates per second, the ratio to that baseline, and whether both
found the same STRONG duplicates (the prefilter may only narrow the fuzzy signals). All data is generated and
fictional (example.net addresses).
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

SECURITY = "security@bench.example.org"
COMPONENTS = ("parser", "loader", "sandbox", "cache", "lexer", "filters", "runtime", "compiler", "router", "auth")
FLAWS = ("path traversal", "denial of service", "sandbox escape", "information leak", "injection", "overflow")


def _title(rng: random.Random, n: int) -> str:
    return f"{rng.choice(FLAWS).title()} in the {rng.choice(COMPONENTS)} module via crafted input {n}"


def _project(directory: Path, trackers: int) -> Any:
    from steward.app import open_app
    from steward.domain.fields import render_body
    from steward.domain.roles import NO_RESPONSE, Field
    from steward.services.project_init import init_project

    init_project(
        directory,
        profile="independent",
        name="Bench Widget",
        security_list=SECURITY,
        identity="bench",
        env={},
        remember=False,
    )
    app = open_app(directory / ".steward" / "project.yml", env={"STEWARD_IDENTITY": "bench"})
    rng = random.Random(5054)
    with app.store.transaction(app.slug, actor="bench", command="bench") as tx:
        for n in range(trackers):
            component = rng.choice(COMPONENTS)
            values = dict.fromkeys(Field, NO_RESPONSE)
            values[Field.ISSUE_DESCRIPTION] = (
                f"The {component} in benchwidget/{component}.py mishandles input {n}; reachable through "
                f"Widget.{component}_load(). Reported with a proof of concept."
            )
            if n % 97 == 0:
                values[Field.ISSUE_DESCRIPTION] += f"\nTracked as GHSA-{n % 9 + 2}c{n % 7 + 2}f-4g5h-6j7m."
            tx.create_tracker(_title(rng, n), render_body(values, app.headings), ["security issue"], "Needs triage")
    app.store.close()
    return directory / ".steward" / "project.yml"


def _inbox(path: Path, count: int) -> None:
    rng = random.Random(777)
    now = datetime.now(UTC)
    with path.open("wb") as out:
        for n in range(count):
            component = rng.choice(COMPONENTS)
            message = EmailMessage(policy=policy.default)
            message["From"] = f"Reporter {n} <reporter{n}@mail.example.net>"
            message["To"] = SECURITY
            message["Subject"] = _title(rng, 10_000 + n)
            message["Date"] = format_datetime(now - timedelta(minutes=n))
            message["Message-ID"] = f"<prefilter-{n}@mail.example.net>"
            body = (
                f"The {component} in benchwidget/{component}.py breaks on crafted input.\nSteps to reproduce: run it."
            )
            if n % 40 == 0:
                body += f"\nThis may be GHSA-{n % 9 + 2}c{n % 7 + 2}f-4g5h-6j7m again."
            message.set_content(body)
            out.write(b"From bench@mail.example.net Thu Jan  1 00:00:00 2099\n")
            out.write(message.as_bytes(policy=policy.default.clone(linesep="\n")).replace(b"\nFrom ", b"\n>From "))
            out.write(b"\n\n")


def _run(config: Path, mbox: Path, fts: bool) -> tuple[float, int, set[tuple[str, int]]]:
    from steward.app import open_app
    from steward.intake.signals import Strength
    from steward.intake.sources import MboxSource
    from steward.services.import_mail import gather
    from steward.services.import_window import choose_window

    text = config.read_text(encoding="utf-8").replace("\nintake:\n  fts_prefilter: true\n", "\n")
    config.write_text(text + ("\nintake:\n  fts_prefilter: true\n" if fts else ""), encoding="utf-8")
    app = open_app(config, env={"STEWARD_IDENTITY": "bench"})
    try:
        start = time.perf_counter()
        found = gather(app, MboxSource(mbox), "mbox", choose_window(app, since="2000-01-01"))
        seconds = time.perf_counter() - start
    finally:
        app.store.close()
    strong = {(p.key, d.tracker) for p in found.items for d in p.candidate.duplicates if d.strength is Strength.STRONG}
    return seconds, len(found.items), strong


def main() -> int:
    trackers = int(sys.argv[1]) if len(sys.argv) > 1 else 2_000
    messages = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    with tempfile.TemporaryDirectory() as tmp:
        config = _project(Path(tmp) / "project", trackers)
        mbox = Path(tmp) / "inbox.mbox"
        _inbox(mbox, messages)
        base_s, base_n, base_strong = _run(config, mbox, fts=False)
        fts_s, fts_n, fts_strong = _run(config, mbox, fts=True)
    header = (
        f"{'measure':<44} {'trackers':>9} {'candidates':>11} {'seconds':>9} {'cand/s':>8} {'ratio':>7} {'STRONG':>7}"
    )
    print(header)
    print("-" * len(header))
    for label, seconds, count, strong in (
        ("every tracker compared (baseline)", base_s, base_n, base_strong),
        ("intake.fts_prefilter (50 best-ranked)", fts_s, fts_n, fts_strong),
    ):
        rate = count / seconds
        print(
            f"{label:<44} {trackers:>9} {count:>11} {seconds:>9.2f} {rate:>8.1f} "
            f"{rate / (base_n / base_s):>7.2f} {len(strong):>7}"
        )
    print(f"same STRONG duplicates: {'yes' if fts_strong == base_strong else 'NO'}")
    return 0 if fts_strong == base_strong else 1


if __name__ == "__main__":
    raise SystemExit(main())
