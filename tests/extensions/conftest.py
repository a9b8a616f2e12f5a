"""Fixtures for the extension tests: moto's in-process AWS."""

from __future__ import annotations

from typing import Iterator

import pytest
from moto import mock_aws


@pytest.fixture
def aws() -> Iterator[None]:
    """Every boto3 call inside the test goes to moto, in process."""
    with mock_aws():
        yield
