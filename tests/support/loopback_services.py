"""The services `make test` starts on loopback: how a test finds them, and why it may never silently skip them."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import pytest

from steward.comms.imap_sink import DRAFTS_FOLDER, ImapDraftSink
from steward.intake.imap_source import ImapTarget, is_loopback, parse_imap_uri

IMAP_URI_ENV = "STEWARD_TEST_IMAP_URI"
IMAP_PASSWORD_ENV = "STEWARD_TEST_IMAP_PASSWORD"
POSTGRES_ENV = "STEWARD_TEST_POSTGRES_URL"


def required_env(*names: str, started_by: str = "make test") -> list[str]:
    """The values of `names`; missing ones skip locally and FAIL under CI=true, so CI never skips a real service."""
    values = [os.environ.get(name, "") for name in names]
    if all(values):
        return values
    missing = ", ".join(n for n, v in zip(names, values, strict=True) if not v)
    if os.environ.get("CI") == "true":
        pytest.fail(f"{missing} not set but CI=true; {started_by} starts the loopback service")
    pytest.skip(f"{missing} not set ({started_by} starts the loopback service)")


@dataclass(frozen=True)
class ImapServer:
    """The loopback IMAP test server and its test user."""

    target: ImapTarget
    password: str

    def client(self) -> Any:
        from imapclient import IMAPClient

        client = IMAPClient(self.target.host, port=self.target.port, ssl=False, timeout=10)
        client.login(self.target.user, self.password)
        return client

    def sink(self, folder: str = DRAFTS_FOLDER, **options: Any) -> ImapDraftSink:
        return ImapDraftSink.from_target(self.target, self.password, folder=folder, **options)


def imap_server() -> ImapServer:
    uri, password = required_env(IMAP_URI_ENV, IMAP_PASSWORD_ENV)
    target = parse_imap_uri(uri)
    assert is_loopback(target.host), "the test IMAP server must be on loopback"
    return ImapServer(target, password)
