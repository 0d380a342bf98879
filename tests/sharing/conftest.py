"""Fixtures of the sharing tests (see ``helpers``)."""

from __future__ import annotations

import pytest

from tests.aggregation.conftest import data_client  # noqa: F401  (dataset tables dropped around each test)
from tests.sharing.helpers import Shared, shared_resource


@pytest.fixture
def shared(data_client) -> Shared:  # noqa: F811
    """A conditional resource of ps-city with 30 records, and hrss-city's approved consumer system."""
    return shared_resource(data_client)
