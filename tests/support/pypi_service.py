"""The loopback package index `make test` starts (scripts/pypi-test-server): how tests find it and what it holds."""

from __future__ import annotations

from urllib.parse import urlsplit

from loopback_services import required_env

PYPI_URL_ENV = "STEWARD_TEST_PYPI_URL"
DEMO_PACKAGE = "quillwort-demo"
DEMO_FINAL = ("1.0.0", "1.1.0")
DEMO_PRERELEASE = "1.2.0rc1"
"""The versions scripts/pypi-test-server writes; keep the two in step."""


def pypi_url() -> str:
    """The index root URL; skips locally and fails under CI=true when the server was not started."""
    (url,) = required_env(PYPI_URL_ENV, started_by="scripts/pypi-test-server (via make test)")
    host = urlsplit(url).hostname
    assert host in ("127.0.0.1", "::1", "localhost"), "the test package index must be on loopback"
    return url
