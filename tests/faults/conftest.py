"""Fixtures of the fault suite, and the figures it prints at the end.

The sink suite's loopback endpoints (down, hanging) and its shared boto3
session (models loaded once) are reused from ``tests/sink/conftest.py``.
Every figure a test measures is recorded with :func:`record_figure` and
printed in a "fault figures" section after the run, so a plain
``pytest tests/faults`` shows the numbers the README quotes.
"""

from __future__ import annotations

from typing import Any, Iterator

import boto3
import pytest
from moto import mock_aws

from spot_otel.aws import mark_untraced
from spot_otel.table import create_table
from tests.faults.harness import REGION, TABLE, create_orders_table
from tests.sink.conftest import (  # noqa: F401 - fixtures, shared on purpose
    _shared_session,
    _sink_clients_share_models,
    closed_endpoint,
    hanging_endpoint,
)

_FIGURES: list[str] = []


def record_figure(line: str) -> None:
    """Keep one measured figure for the summary printed after the run."""
    _FIGURES.append(line)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _FIGURES:
        return
    terminalreporter.section("fault figures")
    for line in _FIGURES:
        terminalreporter.write_line(line)


@pytest.fixture
def aws() -> Iterator[Any]:
    """moto in-process with the spotFns table and the user's ``orders``
    table; yields a DynamoDB client."""
    with mock_aws():
        # The test's own client: never traced, whatever is instrumented.
        client = mark_untraced(boto3.client("dynamodb", region_name=REGION))
        create_table(client, TABLE, ttl=False, stream=False)
        create_orders_table(client)
        yield client


@pytest.fixture(scope="module")
def module_environment() -> Iterator[None]:
    """What ``tests/conftest.py`` sets per test, for module-scoped fixtures
    that run before it: fake credentials, a region, no endpoint."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in (
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
            ("AWS_SESSION_TOKEN", "testing"),
            ("AWS_DEFAULT_REGION", REGION),
            ("AWS_REGION", REGION),
        ):
            patch.setenv(name, value)
        for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB"):
            patch.delenv(name, raising=False)
        yield
