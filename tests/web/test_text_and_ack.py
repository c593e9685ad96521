"""The pure parts: the render-time cleaner (finalize hook) and the time-to-ack arithmetic."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup

from steward.web.ack import Ack, first_ack, median, utc
from steward.web.dashboard import style_hash
from steward.web.render import duration, render, stylesheet
from steward.web.text import clean

FORBIDDEN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
T0 = datetime(2099, 1, 5, 9, 0, tzinfo=UTC)


@given(st.text())
def test_clean_leaves_no_control_or_bidi_character_and_is_idempotent(text: str) -> None:
    once = clean(text)
    assert not FORBIDDEN.search(once)
    assert clean(once) == once


def test_clean_passes_markup_and_non_strings_through() -> None:
    assert clean(Markup("<b>\x07</b>")) == Markup("<b>\x07</b>")
    assert clean(42) == 42
    assert clean(None) is None


@given(st.text())
def test_every_template_value_is_cleaned_then_escaped(text: str) -> None:
    html = render("error.html", project=text, demo=False, path="/", status=404, title=text, message=text)
    assert not FORBIDDEN.search(html)
    if "<" in clean(text):
        assert "&lt;" in html


def test_first_ack_ignores_answers_before_the_report() -> None:
    early, late, later = T0 - timedelta(hours=1), T0 + timedelta(hours=5), T0 + timedelta(days=2)
    assert first_ack(T0, [later, early, late]) == late
    assert first_ack(T0, [early]) is None
    assert first_ack(T0.replace(tzinfo=None), [late.replace(tzinfo=None)]) == late  # naive SQLite values are UTC


def test_ack_took_waiting_and_overdue() -> None:
    sla = timedelta(hours=48)
    answered = Ack(1, "a", T0, T0 + timedelta(hours=50), True)
    assert answered.took == timedelta(hours=50)
    assert answered.overdue(T0 + timedelta(days=30), sla)
    pending = Ack(2, "b", T0, None, True)
    assert pending.took is None
    assert pending.waiting(T0 + timedelta(hours=3)) == timedelta(hours=3)
    assert not pending.overdue(T0 + timedelta(hours=47), sla)
    assert pending.overdue(T0 + timedelta(hours=49), sla)


def test_median_of_odd_even_and_empty() -> None:
    h = timedelta(hours=1)
    assert median([3 * h, h, 2 * h]) == 2 * h
    assert median([h, 3 * h]) == 2 * h
    assert median([]) is None


def test_duration_reads_at_a_glance() -> None:
    assert duration(timedelta(days=2, hours=5, minutes=3)) == "2d 5h"
    assert duration(timedelta(hours=3, minutes=10)) == "3h 10m"
    assert duration(timedelta(minutes=45)) == "45m"
    assert duration(timedelta(seconds=-5)) == "0m"
    assert duration(None) == "—"


def test_utc_normalises_offsets() -> None:
    shifted = utc(datetime(2099, 1, 1, 14, tzinfo=timezone(timedelta(hours=2))))
    assert shifted == datetime(2099, 1, 1, 12, tzinfo=UTC) and shifted.tzinfo is UTC


def test_the_stylesheet_loads_nothing_and_its_hash_is_stable() -> None:
    css = stylesheet()
    assert "url(" not in css and "@import" not in css
    assert style_hash(css) == style_hash(css) and style_hash(css).startswith("'sha256-")
    assert style_hash(css) != style_hash(css + " ")
