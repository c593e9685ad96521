"""Reporter drafts of triage (§6.3, §9.1-9.3): threaded, addressed, Cc the list, no private URL, no placeholder."""

from __future__ import annotations

import re
from email.message import EmailMessage
from pathlib import Path

import pytest
from triage_fixtures import (
    CNA_URL,
    MODEL_URL,
    SCOPE,
    SECURITY,
    TRACKER_BASE,
    Run,
    Thread,
    app_for,
    body_of,
    configure,
    drafts,
    make_tracker,
    propose,
    react,
    rollup,
    snapshot,
    write,
)

TITLE = "Sandbox escape through the attribute filter"
REPORTER = "kim@mail.example.net"


@pytest.fixture
def tp(project: Path) -> Path:
    configure(project)
    return project


def assert_good_draft(message: EmailMessage, thread: Thread, to: str = REPORTER) -> str:
    """Threaded on the inbound thread, to the reporter, Cc the list, and nothing private or unfilled in it."""
    assert message["In-Reply-To"] == thread.messages[-1]
    assert str(message["References"]).split() == list(thread.messages)
    assert message["To"] == to
    assert message["Cc"] == SECURITY
    assert str(message["Subject"]) == f"Re: Security report: {TITLE}"
    assert re.fullmatch(r"[0-9a-f]{32}", str(message["X-Steward-Key"]))
    body = body_of(message)
    assert TRACKER_BASE not in body
    assert "trackers.quill-wort.example.org" not in body
    assert CNA_URL not in body
    assert "cna.quill-wort.example.org" not in body
    assert "{{" not in body
    assert "}}" not in body
    assert body.startswith("TLP:AMBER+STRICT\n")
    return body


def ready(run: Run, tmp: Path, root: Path, cls: str, **kwargs: object) -> tuple[int, Thread | None]:
    n, thread = make_tracker(root, TITLE, **kwargs)  # type: ignore[arg-type]
    proposal = propose(run, tmp, n, cls)
    react(root, proposal, "robin")
    return n, thread


def test_valid_draft_report_accepted(tp: Path, run: Run, tmp_path: Path) -> None:
    n, thread = ready(run, tmp_path, tp, "VALID")
    assert thread is not None
    result = run("triage", str(n), "--valid", "--scope", SCOPE, "--apply", "all", "--json")
    assert result.code == 0, result.err
    (message,) = drafts(tp)
    body = assert_good_draft(message, thread)
    assert "confirmed the problem" in body
    key = str(message["X-Steward-Key"])
    assert result.json()["draft_key"] == key
    assert f"Reporter notification drafted: {key}." in rollup(tp, n)
    app = app_for(tp)
    try:
        with app.store.read(app.slug) as reader:
            stored = reader.get_draft(key)
    finally:
        app.store.close()
    assert stored is not None
    assert stored.template == "report-accepted"
    assert stored.tracker == n
    assert stored.sink_id


def test_invalid_draft_carries_the_reason(tp: Path, run: Run, tmp_path: Path) -> None:
    n, thread = ready(run, tmp_path, tp, "INVALID")
    assert thread is not None
    reason = "The attribute filter only sees trusted templates."
    result = run("triage", str(n), "--invalid", "--reason", reason, "--apply", "all")
    assert result.code == 0, result.err
    (message,) = drafts(tp)
    body = assert_good_draft(message, thread)
    assert reason in body
    assert MODEL_URL in body


def test_invalid_without_explanation_is_exit_2_and_writes_nothing(tp: Path, run: Run, tmp_path: Path) -> None:
    n, _ = ready(run, tmp_path, tp, "INVALID")
    before = snapshot(tp)
    result = run("triage", str(n), "--invalid", "--apply", "all")
    assert result.code == 2
    assert "DETAILED_EXPLANATION" in result.err
    assert snapshot(tp) == before


def test_edit_explanation_fills_the_draft(tp: Path, run: Run, tmp_path: Path) -> None:
    n, thread = ready(run, tmp_path, tp, "INFO-ONLY")
    assert thread is not None
    result = run("triage", str(n), "--not-cve-worthy", "--apply", "1:edit explanation=Only a crash of the CLI.")
    assert result.code == 0, result.err
    (message,) = drafts(tp)
    assert "Only a crash of the CLI." in assert_good_draft(message, thread)


def test_silent_skips_the_draft(tp: Path, run: Run, tmp_path: Path) -> None:
    n, _ = ready(run, tmp_path, tp, "INVALID")
    result = run("triage", str(n), "--invalid", "--silent", "--apply", "all")
    assert result.code == 0, result.err
    assert drafts(tp) == []
    assert "Reporter notification suppressed by configuration (--silent=true)." in rollup(tp, n)


def test_canned_template_without_explanation(tp: Path, run: Run, tmp_path: Path) -> None:
    n, thread = ready(run, tmp_path, tp, "INVALID")
    assert thread is not None
    result = run("triage", str(n), "--invalid", "--canned", "automated-scanning-results", "--apply", "all")
    assert result.code == 0, result.err
    (message,) = drafts(tp)
    assert "automated scanner" in assert_good_draft(message, thread)


def test_unknown_canned_slug_is_exit_2(tp: Path, run: Run, tmp_path: Path) -> None:
    n, _ = ready(run, tmp_path, tp, "INVALID")
    before = snapshot(tp)
    assert run("triage", str(n), "--invalid", "--reason", "r", "--canned", "nope", "--apply", "all").code == 2
    assert snapshot(tp) == before


def test_need_info_draft_asks_the_questions_once(tp: Path, run: Run, tmp_path: Path) -> None:
    n, thread = make_tracker(tp, TITLE)
    assert thread is not None
    questions = write(tmp_path, "q.txt", "Which version did you test, and with which loader options?")
    result = run("triage", str(n), "--need-info", str(questions), "--apply", "all")
    assert result.code == 0, result.err
    (message,) = drafts(tp)
    assert "Which version did you test" in assert_good_draft(message, thread)
    assert "Information requested" in rollup(tp, n)
    again = run("triage", str(n), "--need-info", str(questions), "--apply", "all")
    assert again.code == 0
    assert len(drafts(tp)) == 1  # the sink is idempotent by X-Steward-Key


@pytest.mark.parametrize(
    ("kwargs", "line"),
    [
        ({"record": False}, "No reporter notification: no reporter on this path (no routing facts stored for thread"),
        ({"mail": False}, "No reporter notification: no reporter on this path (no security-thread line)."),
        ({"relay": "asf-security"}, "No reporter notification: no reporter on this path (unverified relay)."),
        ({"from_addr": "robin@mail.example.net"}, "No reporter notification: reporter is on the security team."),
    ],
)
def test_no_reporter_route_means_no_draft(
    tp: Path, run: Run, tmp_path: Path, kwargs: dict[str, object], line: str
) -> None:
    n, _ = ready(run, tmp_path, tp, "VALID", **kwargs)
    result = run("triage", str(n), "--valid", "--scope", SCOPE, "--apply", "all")
    assert result.code == 0, result.err
    assert drafts(tp) == []
    assert line in rollup(tp, n)


def test_placeholder_security_list_refuses_before_anything_is_written(tp: Path, run: Run, tmp_path: Path) -> None:
    n, _ = ready(run, tmp_path, tp, "VALID")
    path = tp / ".steward" / "project.yml"
    path.write_text(path.read_text().replace(SECURITY, "security@quill-wort.invalid"))
    before = snapshot(tp)
    result = run("triage", str(n), "--valid", "--scope", SCOPE, "--apply", "all")
    assert result.code == 3
    assert "security_inbox.address" in result.err
    assert snapshot(tp) == before


def test_demo_triage_story_makes_three_threaded_drafts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from steward.app import open_app
    from steward.demo import build
    from steward.demo.triage_story import play_triage

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setattr(build, "play_triage", lambda app: None)  # the demo itself plays the story; play it here once
    root = build.build_demo(tmp_path / "demo", identity="alex", with_inbox=False)
    app = open_app(root / ".steward" / "project.yml", env={"STEWARD_IDENTITY": "alex"})
    try:
        story = play_triage(app)
        with app.store.read(app.slug) as reader:
            assert "needs triage" not in reader.get_tracker(story.valid).labels
            assert reader.get_tracker(story.invalid).state == "closed"
            assert "duplicate" in reader.get_tracker(story.dropped).labels
        assert app.store.verify_audit(app.slug).ok
    finally:
        app.store.close()
    found = drafts(root)
    assert len(found) == 3
    for message in found:
        assert message["In-Reply-To"] and str(message["In-Reply-To"]).endswith("@mail.example.net>")
        assert str(message["To"]).endswith("@mail.example.net")
        assert "{{" not in body_of(message)
        assert body_of(message).startswith("FICTIONAL DEMO DATA")


FORWARDER = """
forwarders:
  enabled: [asf-security]
  asf_security:
    contact: relay@forwarder.example.org
"""


def test_relayed_report_drafts_to_the_forwarder(project: Path, run: Run, tmp_path: Path) -> None:
    configure(project, extra=FORWARDER)
    n, thread = ready(run, tmp_path, project, "VALID", relay="asf-security", line_relay="asf-security")
    assert thread is not None
    result = run("triage", str(n), "--valid", "--scope", SCOPE, "--apply", "all")
    assert result.code == 0, result.err
    (message,) = drafts(project)
    assert_good_draft(message, thread, to="relay@forwarder.example.org")
