"""`gather(..., stream=...)` writes exactly what the kept proposal renders, without keeping the items."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from steward.app import App, open_app
from steward.intake.message import header_object
from steward.intake.sources import MboxSource
from steward.services import import_items as items
from steward.services import import_mail as service
from steward.services import import_mail_render as render
from steward.services import import_window as windows
from steward.services.project_init import init_project


def _mail(thread: int, position: int) -> bytes:
    mail = EmailMessage()
    mail["From"] = f"Reporter {thread} <reporter{thread}@mail.example.net>"
    mail["To"] = "security@bench.example.org"
    subject = f"Loader issue {thread}: crafted template {thread} reads files"
    body = (
        f"The loader in benchwidget/loader.py mishandles crafted template number {thread}; an attacker who "
        "controls the template can read files outside the root.\n\nAffected versions: >= 1.0, < 1.4\n"
    )
    if thread % 4 == 3:
        subject, body = f"Special offer {thread}", "We offer SEO services and backlinks. Limited time offer!"
    if position:
        subject, body = "Re: " + subject, f"Follow-up {position} on the loader issue.\n"
        mail["In-Reply-To"] = f"<stream-{thread}-{position - 1}@mail.example.net>"
    mail["Subject"] = subject
    mail["Date"] = format_datetime(datetime(2099, 1, 1, tzinfo=UTC) + timedelta(minutes=10 * thread + position))
    mail["Message-ID"] = f"<stream-{thread}-{position}@mail.example.net>"
    mail.set_content(body)
    return mail.as_bytes()


@pytest.fixture
def setup(tmp_path: Path) -> tuple[App, Path]:
    root = tmp_path / "project"
    root.mkdir()
    init_project(
        root,
        profile="independent",
        name="Bench Widget",
        security_list="security@bench.example.org",
        identity="bench",
        env={},
        remember=False,
    )
    config = root / ".steward" / "project.yml"
    text = config.read_text(encoding="utf-8").replace(
        "  package_name: bench-widget\n",
        "  package_name: bench-widget\n  security_model_url: https://bench.example.org/model\n",
    )
    config.write_text(text, encoding="utf-8")
    mbox = tmp_path / "in.mbox"
    with mbox.open("wb") as out:
        for thread in range(9):
            for position in range(thread % 3):
                out.write(b"From x@mail.example.net Thu Jan  1 00:00:00 2099\n")
                out.write(_mail(thread, position).replace(b"\r\n", b"\n").replace(b"\nFrom ", b"\n>From "))
                out.write(b"\n\n")
    return open_app(config, env={"STEWARD_IDENTITY": "bench"}), mbox


def _streamed(app: App, mbox: Path, stream_type: type[render.TextStream] | type[render.JsonStream]) -> str:
    buffer = io.StringIO()
    stream = stream_type(buffer.write)
    window = windows.choose_window(app, since="2000-01-01")
    found = service.gather(app, MboxSource(mbox), "mbox:in", window, stream=stream)
    assert found.items == ()
    assert all(s.candidate is None for s in found.skipped)
    stream.finish(found, {"project": app.slug})
    return buffer.getvalue()


def test_streams_match_the_kept_proposal(setup: tuple[App, Path]) -> None:
    app, mbox = setup
    try:
        kept = service.gather(app, MboxSource(mbox), "mbox:in", windows.choose_window(app, since="2000-01-01"))
        assert kept.items and kept.skipped
        assert kept.streamed == len(kept.items)
        text = _streamed(app, mbox, render.TextStream)
        data = _streamed(app, mbox, render.JsonStream)
    finally:
        app.store.close()
    assert text == render.render_import(kept) + "\n"
    expected = {"project": app.slug, **render.proposal_json(kept)}
    assert data == json.dumps(expected, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert json.loads(data)["candidates"][0]["number"] == 1


def test_streams_with_nothing_to_import(setup: tuple[App, Path], tmp_path: Path) -> None:
    app, _ = setup
    empty = tmp_path / "empty.mbox"
    empty.write_bytes(b"")
    try:
        kept = service.gather(app, MboxSource(empty), "mbox:in", windows.choose_window(app, since="2000-01-01"))
        text = _streamed(app, empty, render.TextStream)
        data = _streamed(app, empty, render.JsonStream)
    finally:
        app.store.close()
    assert text == render.render_import(kept) + "\n"
    assert json.loads(data) == {"project": app.slug, **render.proposal_json(kept)}


def test_json_stream_refuses_a_key_sorting_before_candidates() -> None:
    stream = render.JsonStream(io.StringIO().write)
    window = windows.Window(None, None, "all")
    with pytest.raises(ValueError, match="candidates"):
        stream.finish(items.ImportProposal("x", window, 0, 0, 0, (), ()), {"aaa": 1})


def test_cached_header_objects_equal_fresh_ones() -> None:
    from email import policy

    value = 'text/plain; charset="utf-8"; format=flowed'
    cached = header_object("Content-Type", value)
    fresh = policy.default.header_factory("Content-Type", value)
    assert cached is header_object("Content-Type", value)
    assert str(cached) == str(fresh) and dict(cached.params) == dict(fresh.params)
    assert cached.content_type == fresh.content_type


@given(
    ctype=st.sampled_from(["text/plain", "text/html", "multipart/mixed", "application/octet-stream", "text/x"]),
    params=st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=40),
    body=st.text(max_size=200),
)
@settings(max_examples=60, deadline=None)
def test_caching_policy_parses_as_the_default_policy(ctype: str, params: str, body: str) -> None:
    from email import policy

    from steward.intake import message

    raw = (
        "From: A <a@mail.example.net>\nDate: Thu, 1 Jan 2099 00:00:00 +0000\nMessage-ID: <p@mail.example.net>\n"
        f"Content-Type: {ctype}; {params}\nContent-Disposition: inline; {params}\n\n{body}\n"
    ).encode("utf-8", "surrogateescape")
    cached = message.parse_message(raw)
    saved = message._POLICY
    message._POLICY = policy.default  # type: ignore[assignment]
    try:
        plain = message.parse_message(raw)
    finally:
        message._POLICY = saved
    assert cached == plain
