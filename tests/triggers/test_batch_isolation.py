"""One record a reader trips over costs only that record its links."""

from __future__ import annotations

import pytest

from spot_otel.triggers import InvocationInfo, read_trigger
from tests.conftest import load_event


def nested(depth: int) -> dict:
    value: dict = {"S": "leaf"}
    for _ in range(depth):
        value = {"M": {"k": value}}
    return value


def test_a_poisoned_stream_record_leaves_the_others_linked():
    event = load_event("dynamoStreamEvent")
    good = event["Records"]
    keys = {"id": nested(100_000)}
    poisoned = {**good[0], "dynamodb": {**good[0]["dynamodb"], "Keys": keys}}
    event["Records"] = [poisoned, *good]

    trigger = read_trigger(event, InvocationInfo(request_id="req-1"))
    alone = read_trigger({"Records": good}, InvocationInfo(request_id="req-1"))

    assert trigger.name == "dynamodb"
    assert trigger.in_links == alone.in_links


@pytest.mark.parametrize("name", ["sqsEvent", "snsEvent", "s3Event", "kinesisStreamEvent"])
def test_a_record_that_is_not_a_record_leaves_the_others_linked(name):
    event = load_event(name)
    count = len(event["Records"])
    event["Records"] = [*event["Records"], {"eventSource": 7, "Sns": [], "s3": "x"}]

    trigger = read_trigger(event, InvocationInfo(request_id="req-1"))

    own = [link for link in trigger.in_links if not link.key.startswith("invoke:")]
    assert len(own) >= count
