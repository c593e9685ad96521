"""The one Jinja2 environment of the web UI and the dashboard: autoescape on, every value cleaned."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from steward.web.text import clean


def stamp(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "—"


def duration(value: timedelta | None) -> str:
    """`2d 5h`, `3h 10m`, `45m`: time-to-ack and ages read at a glance."""
    if value is None:
        return "—"
    minutes = max(0, int(value.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    return f"{hours}h {mins}m" if hours else f"{mins}m"


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("steward.web", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True, default=True),
        undefined=StrictUndefined,
        finalize=clean,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["stamp"] = stamp
    env.filters["duration"] = duration
    return env


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)


@cache
def stylesheet() -> str:
    """steward.css, for the dashboard's inline <style> (a static file cannot fetch it)."""
    return resources.files("steward.web").joinpath("static", "steward.css").read_text(encoding="utf-8")
