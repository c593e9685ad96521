"""The hostile tracker the web tests add to the demo project, and what it must never show."""

from __future__ import annotations

from pathlib import Path

from steward.app import open_app
from steward.domain.roles import Field
from steward.services.trackers import new_tracker

IDENTITY = "alex"
ENV = {"STEWARD_IDENTITY": IDENTITY}
HOSTILE_TITLE = "Hostile <b>bold</b> title <script>alert(1)</script>"
HOSTILE_BODY = (
    "Report text <script>alert(1)</script> and <script>window.__xss=true</script>\n"
    'an image <img src=x onerror="window.__xss=true">\n'
    "escapes \x1b[31mred\x1b[0m, bell\x07, overwrite\rFAKE LINE, del\x7f, c1\x9b\n"
    "bidi \u202eevil\u202c and \u2066isolate\u2069 end"
)
HOSTILE_COMMENT = '<iframe src="https://attacker.example.net/x"></iframe> comment \x1b]0;title\x07 done'
CONTROLS = ("\x1b", "\x07", "\r", "\x7f", "\x9b", "\u202e", "\u202c", "\u2066", "\u2069")


def config_of(root: Path) -> Path:
    return root / ".steward" / "project.yml"


def add_hostile(root: Path) -> int:
    app = open_app(config_of(root), env=ENV)
    try:
        created = new_tracker(app, HOSTILE_TITLE, {Field.ISSUE_DESCRIPTION: HOSTILE_BODY}, "test")
        number = created.tracker.number
        with app.store.transaction(app.slug, actor=IDENTITY, command="comment") as tx:
            tx.add_comment(number, "robin-demo", HOSTILE_COMMENT)
        return number
    finally:
        app.store.close()
