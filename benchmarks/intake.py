"""Mail intake throughput: a generated mbox through `import mail` (dry run and apply) beside raw stdlib parsing.

Run: `.venv/bin/python benchmarks/intake.py [MESSAGES]` (default 10,000; a second run at a quarter of that shows
whether memory stays flat in the mailbox size). Every measure runs in its own fresh process, so each peak RSS
(`resource.getrusage`) is that measure's alone; the raw baseline (`mailbox.mbox` + `email` with the default
policy, reading each text body) parses the same file in the same run. Apply runs on a temporary SQLite project,
one transaction per item as in production. The dry run streams the `--json` document
(`gather(..., stream=JsonStream(...))`) into a counter, keeping nothing per item. All mail is generated and
fictional (example.net addresses).
"""

from __future__ import annotations

import json
import mailbox
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime
from pathlib import Path
from typing import Any

SECURITY = "security@bench.example.org"
TOPICS = ("parser", "loader", "sandbox", "cache", "lexer", "filters", "runtime", "compiler")


def _mail(index: int, thread: int, position: int, now: datetime, rng: random.Random) -> EmailMessage:
    kind = thread % 20
    topic = TOPICS[thread % len(TOPICS)]
    message = EmailMessage(policy=policy.default)
    message["From"] = f"Reporter {thread} <reporter{thread}@mail.example.net>"
    message["To"] = SECURITY
    subject = f"{topic.title()} issue {thread}: crafted input {rng.randrange(10**6)} breaks {topic}"
    if kind == 17:
        subject = f"Special offer {thread}"
        body = "We offer SEO services and backlinks for your website. Limited time offer!"
    elif kind == 18:
        body = "Automated scan:\n" + "\n".join(
            f"[HIGH] benchwidget/{TOPICS[i % 8]}.py:{i * 7} CWE-{20 + i} finding {i}" for i in range(12)
        )
    elif kind == 19:
        body = "Your domain has no DMARC record. Do you offer a bug bounty for this?"
    else:
        body = (
            f"The {topic} in benchwidget/{topic}.py mishandles crafted input number {thread}, reachable via "
            f"Widget.{topic}_load(). An attacker controlling the template can read files.\n\n"
            "Steps to reproduce:\n1. Install benchwidget 1.2.0.\n2. Load the crafted file.\n\n"
            f"Affected versions: >= 1.0, < 1.{thread % 9 + 2}\n" + "Extra context line for realism.\n" * 10
        )
    if position:
        subject = "Re: " + subject
        body = f"Follow-up {position}: one more detail about the {topic} issue.\n"
        message["In-Reply-To"] = f"<bench-{thread}-{position - 1}@mail.example.net>"
        message["References"] = " ".join(f"<bench-{thread}-{p}@mail.example.net>" for p in range(position))
    message["Subject"] = subject
    message["Date"] = format_datetime(now - timedelta(seconds=10 * (100_000 - index)))
    message["Message-ID"] = f"<bench-{thread}-{position}@mail.example.net>"
    message["X-Steward-Fictional"] = "yes"
    message.set_content(body)
    return message


def generate(path: Path, count: int) -> None:
    """An mbox of `count` messages in threads of one to three messages, written as it goes."""
    rng = random.Random(20991)
    now = datetime.now(UTC)
    written = 0
    thread = 0
    with path.open("wb") as out:
        while written < count:
            for position in range(min(rng.choice((1, 1, 2, 3)), count - written)):
                data = _mail(written, thread, position, now, rng).as_bytes(policy=policy.default.clone(linesep="\n"))
                out.write(b"From bench@mail.example.net Thu Jan  1 00:00:00 2099\n")
                out.write(data.replace(b"\nFrom ", b"\n>From "))
                out.write(b"\n\n")
                written += 1
            thread += 1


# ---------------------------------------------------------------------------------------------- measures


def measure_raw(path: Path) -> dict[str, Any]:
    parser = BytesParser(policy=policy.default)
    count = 0
    start = time.perf_counter()
    box = mailbox.mbox(str(path), create=False)
    for key in box.iterkeys():
        parsed = parser.parsebytes(box.get_bytes(key))
        body = parsed.get_body(("plain",)) if isinstance(parsed, EmailMessage) else None
        if body is not None:
            body.get_content()
        count += 1
    return {"messages": count, "seconds": time.perf_counter() - start}


def _project(directory: Path) -> Any:
    from steward.app import open_app
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
    config = directory / ".steward" / "project.yml"
    text = config.read_text(encoding="utf-8").replace(
        "  package_name: bench-widget\n",
        "  package_name: bench-widget\n  security_model_url: https://bench.example.org/model\n",
    )
    config.write_text(text, encoding="utf-8")
    return open_app(config, env={"STEWARD_IDENTITY": "bench"})


def measure_pipeline(path: Path, apply: bool) -> dict[str, Any]:
    from steward.intake.sources import MboxSource
    from steward.services.import_mail import gather
    from steward.services.import_mail_apply import apply_import
    from steward.services.import_mail_render import JsonStream
    from steward.services.import_window import choose_window
    from steward.services.selector import parse_selection

    with tempfile.TemporaryDirectory() as tmp:
        app = _project(Path(tmp))
        try:
            window = choose_window(app, since="2000-01-01")
            start = time.perf_counter()
            written = [0]

            def discard(text: str) -> None:
                written[0] += len(text)

            # The dry run streams the `--json` document as it is produced (nothing kept per item); apply
            # needs every item at hand, so it gathers the whole proposal first.
            stream = None if apply else JsonStream(discard)
            proposal = gather(app, MboxSource(path), f"mbox:{path}", window, stream=stream)
            if stream is not None:
                stream.finish(proposal, {"project": app.slug})
            items = proposal.streamed
            applied = 0
            if apply:
                result = apply_import(app, proposal, parse_selection("all"))
                applied = len(result.applied)
            seconds = time.perf_counter() - start
        finally:
            app.store.close()
    return {"messages": proposal.messages, "seconds": seconds, "items": items, "applied": applied}


def child(measure: str, path: Path) -> None:
    result = measure_raw(path) if measure == "raw" else measure_pipeline(path, apply=measure == "apply")
    result["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def run_child(measure: str, path: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", measure, str(path)], check=True, capture_output=True, text=True
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], Path(sys.argv[3]))
        return 0
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    rows: list[tuple[str, int, float, float, float, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for count in (size, max(1, size // 4)):
            path = Path(tmp) / f"bench-{count}.mbox"
            generate(path, count)
            raw = run_child("raw", path)
            raw_rate = raw["messages"] / raw["seconds"]
            for name in ("raw", "dry-run", "apply"):
                found = raw if name == "raw" else run_child(name, path)
                rate = found["messages"] / found["seconds"]
                label = {
                    "raw": "raw stdlib parse",
                    "dry-run": "import mail (dry run)",
                    "apply": "import mail --apply all",
                }[name]
                extra = f" ({found['items']} items, {found['applied']} applied)" if name != "raw" else ""
                rows.append(
                    (label + extra, found["messages"], found["seconds"], rate, rate / raw_rate, found["peak_rss_mib"])
                )
    header = f"{'measure':<58} {'messages':>9} {'seconds':>9} {'msgs/s':>9} {'ratio':>7} {'peak RSS MiB':>13}"
    print(header)
    print("-" * len(header))
    for label, messages, seconds, rate, ratio, rss in rows:
        print(f"{label:<58} {messages:>9} {seconds:>9.2f} {rate:>9.0f} {ratio:>7.2f} {rss:>13.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
