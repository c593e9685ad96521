"""How browser tests find headless Chromium (Debian `chromium`): skip locally when missing, FAIL under CI=true."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _missing(what: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} but CI=true; scripts/run-tests installs it (apt-get install -y chromium, pip playwright)")
    pytest.skip(f"{what} (apt-get install -y chromium; pip install playwright)")


def chromium_path() -> str:
    """/usr/bin/chromium and the Playwright package; never `playwright install` (no downloaded browsers)."""
    if not CHROMIUM.exists():
        _missing(f"{CHROMIUM} is missing")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _missing("the playwright package is not installed")
    return str(CHROMIUM)
