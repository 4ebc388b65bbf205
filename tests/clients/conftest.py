"""Live gateways for the client tests, and the whole system (backend + gateway) for the CLI's."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.clients.harness import TestGateway

# The end-to-end fixtures (stack: live backend + real gateway, and what it needs), all of
# them, so that this keeps working as they gain new ones.
from tests.e2e.conftest import *  # noqa: F403


@pytest.fixture
async def gateway() -> AsyncIterator[TestGateway]:
    gateway = TestGateway()
    await gateway.start()
    yield gateway
    await gateway.close()


@pytest.fixture
def gateway_settings() -> dict[str, object]:
    """A short permission cache, so that revocations happen within a test."""
    return {"permission_cache_seconds": 0.1}
