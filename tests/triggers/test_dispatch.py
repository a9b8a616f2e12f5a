"""read_trigger: which reader reads which event, and what every trigger gets."""

from __future__ import annotations

import copy
import logging
from typing import Any, Iterator

import pytest

from spot_otel.links import Link, invoke_key
from spot_otel.triggers import InvocationInfo, TriggerKind, read_trigger
from tests.conftest import EVENTS, load_event

INFO = InvocationInfo(request_id="c6af9ac6-7b61-11e6-9a41-93e812345678")
INVOKE_LINK = Link(invoke_key(INFO.request_id))

# Every sample event and the reader that must read it.
EXPECTED = {
    "albEvent": ("alb", TriggerKind.HTTP),
    "apiGatewayProxyEvent": ("apigateway", TriggerKind.HTTP),
    "apiGatewayProxyV2Event": ("apigateway-v2", TriggerKind.HTTP),
    "lambdaFunctionUrlEvent": ("function-url", TriggerKind.HTTP),
    "s3Event": ("s3", TriggerKind.DATASOURCE),
    "s3EventDecodedKey": ("s3", TriggerKind.DATASOURCE),
    "s3EventDeleteObject": ("s3", TriggerKind.DATASOURCE),
    "dynamoStreamEvent": ("dynamodb", TriggerKind.DATASOURCE),
    "snsEvent": ("sns", TriggerKind.PUBSUB),
    "sqsEvent": ("sqs", TriggerKind.PUBSUB),
    "sqsDlqTriggerEvent": ("sqs", TriggerKind.PUBSUB),
    "snsSqsEvent": ("sqs", TriggerKind.PUBSUB),
    "snsSqsFifoEvent": ("sqs", TriggerKind.PUBSUB),
    "s3SqsEvent": ("sqs", TriggerKind.PUBSUB),
    "kinesisStreamEvent": ("kinesis", TriggerKind.PUBSUB),
    "eventBridgeEvent": ("eventbridge", TriggerKind.PUBSUB),
    "s3EventBridgeNotificationObjectCreatedEvent": ("eventbridge", TriggerKind.PUBSUB),
}


@pytest.fixture
def debug_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """The triggers package's records at debug, however the package logger
    was configured by whoever imported it first."""
    logger = logging.getLogger("spot_otel.triggers")
    old_level, old_propagate = logger.level, logger.propagate
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    logger.addHandler(caplog.handler)
    caplog.handler.setLevel(logging.DEBUG)
    try:
        yield caplog
    finally:
        logger.removeHandler(caplog.handler)
        logger.setLevel(old_level)
        logger.propagate = old_propagate


def test_every_sample_event_has_an_expected_reader() -> None:
    assert {path.stem for path in EVENTS.glob("*.json")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_event_is_read_by_its_reader(name: str) -> None:
    event = load_event(name)
    before = copy.deepcopy(event)

    trigger = read_trigger(event, INFO)

    assert (trigger.name, trigger.kind) == EXPECTED[name]
    # An id of the event's own service joins the hop before...
    assert any(link != INVOKE_LINK for link in trigger.in_links)
    # ...and any invocation may also have been a direct Invoke.
    assert trigger.in_links[-1] == INVOKE_LINK
    assert event == before


@pytest.mark.parametrize(
    "event",
    [
        None,
        42,
        "hello world",
        [],
        [{"eventSource": "aws:sqs"}],
        {},
        {"order_id": "A-1001", "items": 3},
        {"Records": "not a list"},
        {"Records": []},
        {"Records": [None]},
        {"Records": [{"eventSource": "aws:ses", "ses": {}}]},
        {"requestContext": {"stage": "prod"}},
    ],
    ids=repr,
)
def test_unrecognized_event_is_other_with_one_quiet_debug_line(
    event: Any, debug_log: pytest.LogCaptureFixture
) -> None:
    trigger = read_trigger(event, INFO)

    assert (trigger.name, trigger.kind) == ("unknown", TriggerKind.OTHER)
    assert trigger.in_links == [INVOKE_LINK]
    assert trigger.carriers == []
    assert trigger.caller == trigger.event_source == trigger.message == "unknown"
    assert len(debug_log.records) == 1
    assert "A-1001" not in debug_log.text


class _Tripwire(dict):  # type: ignore[type-arg]
    """A mapping whose reads fail, carrying text that must not reach a log."""

    def get(self, key: Any, default: Any = None) -> Any:
        raise ValueError("card 4111-1111-1111-1111")

    def __getitem__(self, key: Any) -> Any:
        raise ValueError("card 4111-1111-1111-1111")


def test_reader_that_trips_gives_other_and_logs_no_content(
    debug_log: pytest.LogCaptureFixture,
) -> None:
    event = load_event("s3Event")
    event["Records"][0]["s3"] = _Tripwire(bucket={"name": "b"})

    trigger = read_trigger(event, INFO)

    # The tripwire is in the first record, which also describes the trigger.
    assert (trigger.name, trigger.kind) == ("unknown", TriggerKind.OTHER)
    assert trigger.in_links == [INVOKE_LINK]
    assert 1 <= len(debug_log.records) <= 2
    assert "spot_otel.triggers.s3" in debug_log.text
    assert "4111" not in debug_log.text


def test_event_that_trips_the_dispatcher_gives_other() -> None:
    trigger = read_trigger(_Tripwire(Records=[]), INFO)

    assert (trigger.name, trigger.kind) == ("unknown", TriggerKind.OTHER)
    assert trigger.in_links == [INVOKE_LINK]


def test_known_shape_logs_nothing(debug_log: pytest.LogCaptureFixture) -> None:
    read_trigger(load_event("sqsEvent"), INFO)

    assert debug_log.records == []


def test_request_id_that_is_no_id_adds_no_invoke_link() -> None:
    trigger = read_trigger(load_event("snsEvent"), InvocationInfo(request_id=""))

    assert [link.via.value for link in trigger.in_links] == ["sns"]
