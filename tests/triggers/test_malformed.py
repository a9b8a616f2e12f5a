"""Malformed, hostile and oversized events: read what is there, never raise.

The property tests mutate the real sample events (values replaced by junk of
any type, keys deleted, whole subtrees swapped) and check that read_trigger
neither raises nor changes the event, and that what it returns stays small.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spot_otel import inband
from spot_otel.links import (
    Link,
    ddb_item_key,
    invoke_key,
    kinesis_key,
    s3_object_key,
    s3_request_key,
    sns_key,
    sqs_key,
)
from spot_otel.triggers import InvocationInfo, Trigger, TriggerKind, read_trigger
from spot_otel.triggers._fields import MAX_ID_CHARS, MAX_TEXT_CHARS
from tests.conftest import EVENTS, load_event

REQUEST_ID = "77777777-0000-4000-8000-00000malform"
INFO = InvocationInfo(request_id=REQUEST_ID)
INVOKE_LINK = Link(invoke_key(REQUEST_ID))
SAMPLES = sorted(path.stem for path in EVENTS.glob("*.json"))
HUGE = "x" * 2_000_000

_JUNK_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=40)
    | st.sampled_from(
        [
            "",
            HUGE,
            "\u0000\ud7ff\U0001f600" * 500,
            "aws:sqs",
            "Notification",
            "2.0",
            '{"Type": "Notification", "MessageId": 1}',
            '{"Records": [{"s3": {"bucket": null}}]}',
            "%E2%9C%93+%ZZ%",
        ]
    )
)
JUNK = st.recursive(
    _JUNK_LEAVES,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into a JSON-like value, the root included."""
    paths = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            paths += _paths(child, prefix + (key,))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            paths += _paths(child, prefix + (index,))
    return paths


@st.composite
def mutated_events(draw: st.DrawFn) -> Any:
    """A real sample event with one to five parts replaced or deleted."""
    event: Any = load_event(draw(st.sampled_from(SAMPLES)))
    for _ in range(draw(st.integers(min_value=1, max_value=5))):
        path = draw(st.sampled_from(_paths(event)))
        delete = draw(st.booleans())
        if not path:
            event = draw(JUNK)
            continue

        parent = event
        for step in path[:-1]:
            parent = parent[step]
        if delete:
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(JUNK)
    return event


CLIENT_CONTEXTS = st.none() | JUNK | st.just({inband.TRACEPARENT: "00-" + "1" * 32})


def _assert_small_and_sane(trigger: Trigger) -> None:
    assert isinstance(trigger.kind, TriggerKind)
    assert trigger.in_links[-1] == INVOKE_LINK
    for field in (
        trigger.caller,
        trigger.event_source,
        trigger.event_op,
        trigger.message,
        trigger.source_ip,
    ):
        assert isinstance(field, str) and 0 < len(field) <= MAX_TEXT_CHARS
    for value in trigger.attributes.values():
        assert isinstance(value, (str, int)) and len(str(value)) <= MAX_ID_CHARS
    for carrier in trigger.carriers:
        assert all(len(value) <= MAX_ID_CHARS for value in carrier.values())


@settings(max_examples=400, deadline=None, database=None)
@given(event=mutated_events(), custom=CLIENT_CONTEXTS)
def test_mutated_real_events_never_raise_nor_change(event: Any, custom: Any) -> None:
    before = copy.deepcopy(event)

    trigger = read_trigger(event, InvocationInfo(REQUEST_ID, custom))

    assert event == before
    _assert_small_and_sane(trigger)


@settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(event=JUNK)
def test_arbitrary_values_never_raise_nor_change(event: Any) -> None:
    before = copy.deepcopy(event)

    trigger = read_trigger(event, INFO)

    assert event == before
    _assert_small_and_sane(trigger)


@pytest.mark.parametrize("name", [n for n in SAMPLES if "Records" in load_event(n)])
@pytest.mark.parametrize(
    "records", [None, {}, "Records", 0, {"0": {"eventSource": "aws:s3"}}]
)
def test_records_that_are_not_a_list_are_other(name: str, records: Any) -> None:
    event = load_event(name)
    event["Records"] = records

    trigger = read_trigger(event, INFO)

    assert trigger.kind is TriggerKind.OTHER
    assert trigger.in_links == [INVOKE_LINK]


def test_garbage_records_in_a_batch_leave_the_others_linked() -> None:
    event = load_event("sqsEvent")
    first, second = event["Records"]
    event["Records"] = [first, None, 5, "record", [], second, {"messageId": None}]

    trigger = read_trigger(event, INFO)

    assert trigger.in_links == [
        Link(sqs_key(first["messageId"])),
        Link(sqs_key(second["messageId"])),
        INVOKE_LINK,
    ]
    assert trigger.is_batch


def test_ids_of_the_wrong_type_are_skipped() -> None:
    event = load_event("apiGatewayProxyEvent")
    event["requestContext"]["requestId"] = 12345
    event["headers"] = ["traceparent"]
    event["httpMethod"] = {"GET": True}

    trigger = read_trigger(event, INFO)

    assert trigger.name == "apigateway"
    assert trigger.in_links == [INVOKE_LINK]
    assert trigger.carriers == []
    assert trigger.event_op == "/my/path"


def test_huge_strings_are_no_ids_and_are_clipped_in_fields() -> None:
    event = load_event("s3Event")
    event["Records"][0]["s3"]["object"]["key"] = HUGE
    event["Records"][0]["s3"]["bucket"]["name"] = "b" * 5000

    trigger = read_trigger(event, INFO)

    # The request id still joins; the object cannot be keyed.
    assert trigger.in_links == [Link(s3_request_key("D82B88E5F771F645")), INVOKE_LINK]
    assert len(trigger.message) <= MAX_TEXT_CHARS
    assert len(trigger.attributes["faas.document.collection"]) <= MAX_TEXT_CHARS


def test_huge_sqs_message_id_and_body() -> None:
    event = load_event("sqsEvent")
    event["Records"][0]["messageId"] = HUGE
    event["Records"][1]["body"] = (
        '{"Type": "Notification", "MessageId": "' + HUGE + '"}'
    )

    trigger = read_trigger(event, INFO)

    assert trigger.in_links == [
        Link(sqs_key(event["Records"][1]["messageId"])),
        INVOKE_LINK,
    ]
    assert trigger.caller == "unknown"


def test_unicode_ids_and_keys() -> None:
    event = load_event("snsEvent")
    event["Records"][0]["Sns"]["MessageId"] = "Ωμέγα-✓-🙂"
    s3_event = load_event("s3Event")
    s3_event["Records"][0]["s3"]["object"]["key"] = (
        "%E6%97%A5%E6%9C%AC/%F0%9F%99%82+%ZZ.txt"
    )

    sns_trigger = read_trigger(event, INFO)
    s3_trigger = read_trigger(s3_event, INFO)

    assert sns_trigger.in_links[0] == Link(sns_key("Ωμέγα-✓-🙂"))
    # A broken escape (%ZZ) is kept as it is, as S3 never sends one.
    assert s3_trigger.in_links[0].key == s3_object_key(
        "lambda-artifacts-deafc19498e3f2df",
        "日本/🙂 %ZZ.txt",
        "b21b84d653bb07b05b1e6b33684dc11b",
    )


@pytest.mark.parametrize(
    "seconds", [float("nan"), float("inf"), -float("inf"), 10**400, True]
)
def test_creation_times_that_are_no_time(seconds: Any) -> None:
    event = load_event("dynamoStreamEvent")
    event["Records"][0]["dynamodb"]["ApproximateCreationDateTime"] = seconds

    trigger = read_trigger(event, INFO)

    assert trigger.in_links[0].at_ms is None
    assert trigger.in_links[0].seq == "111"


# -- 10,000-record batches ------------------------------------------------------

BIG = 10_000


def _big_batch(name: str, vary: Any) -> dict[str, Any]:
    """A batch of BIG copies of a sample's first record, each made distinct."""
    event = load_event(name)
    template = json.dumps(event["Records"][0])
    records = []
    for n in range(BIG):
        record = json.loads(template)
        vary(record, n)
        records.append(record)
    event["Records"] = records
    return event


def _sqs(record: dict[str, Any], n: int) -> None:
    record["messageId"] = f"m-{n}"
    record["body"] = json.dumps({"Type": "Notification", "MessageId": f"n-{n}"})


def _sns(record: dict[str, Any], n: int) -> None:
    record["Sns"]["MessageId"] = f"n-{n}"


def _s3(record: dict[str, Any], n: int) -> None:
    record["s3"]["object"]["key"] = f"logs/part+{n}.gz"
    record["responseElements"]["x-amz-request-id"] = f"R{n}"


def _ddb(record: dict[str, Any], n: int) -> None:
    record["dynamodb"]["Keys"] = {"Id": {"N": str(n)}}
    record["dynamodb"]["SequenceNumber"] = str(n)


def _kinesis(record: dict[str, Any], n: int) -> None:
    record["kinesis"]["sequenceNumber"] = str(n)


@pytest.mark.parametrize(
    ("name", "vary", "links_of"),
    [
        ("snsSqsEvent", _sqs, lambda n: [sqs_key(f"m-{n}"), sns_key(f"n-{n}")]),
        ("snsEvent", _sns, lambda n: [sns_key(f"n-{n}")]),
        (
            "s3Event",
            _s3,
            lambda n: [
                s3_object_key(
                    "lambda-artifacts-deafc19498e3f2df",
                    f"logs/part {n}.gz",
                    "b21b84d653bb07b05b1e6b33684dc11b",
                ),
                s3_request_key(f"R{n}"),
            ],
        ),
        (
            "dynamoStreamEvent",
            _ddb,
            lambda n: [ddb_item_key("eventsource_arn", {"Id": {"N": str(n)}})],
        ),
        (
            "kinesisStreamEvent",
            _kinesis,
            lambda n: [kinesis_key("lambda-stream", "shardId-000000000006", str(n))],
        ),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_ten_thousand_record_batch_links_every_record(
    name: str, vary: Any, links_of: Any
) -> None:
    event = _big_batch(name, vary)

    trigger = read_trigger(event, INFO)

    expected = [key for n in range(BIG) for key in links_of(n)]
    assert [link.key for link in trigger.in_links[:-1]] == expected
    assert trigger.is_batch
    assert trigger.attributes["spot.record_count"] == BIG
