"""Shared fixture for the archive tests: an httpx client served in process by a handler."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

Handler = Callable[[httpx.Request], httpx.Response]


@pytest.fixture
def mock_client() -> Callable[[Handler], httpx.Client]:
    """An httpx client whose transport is the handler (MockTransport: no network, in process)."""

    def make(handler: Handler) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(handler))

    return make
