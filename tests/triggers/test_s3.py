"""S3 notifications delivered straight to Lambda."""

from __future__ import annotations

import copy
from typing import Any

from spot_otel.links import Link, invoke_key, s3_object_key, s3_request_key
from spot_otel.triggers import InvocationInfo, TriggerKind, read_trigger
from tests.conftest import load_event

INFO = InvocationInfo(request_id="0f0e0d0c-0000-4000-8000-0000000000s3")
BUCKET = "lambda-artifacts-deafc19498e3f2df"
KEY = "b21b84d653bb07b05b1e6b33684dc11b"


def test_object_created() -> None:
    trigger = read_trigger(load_event("s3Event"), INFO)

    assert trigger.kind is TriggerKind.DATASOURCE
    assert trigger.in_links == [
        Link(s3_object_key(BUCKET, KEY, "b21b84d653bb07b05b1e6b33684dc11b")),
        Link(s3_request_key("D82B88E5F771F645")),
        Link(invoke_key(INFO.request_id)),
    ]
    assert trigger.caller == "D82B88E5F771F645:0C0F6F405D6ED209E1"
    assert trigger.event_source == "aws:s3"
    assert trigger.event_op == "ObjectCreated:Put"
    assert trigger.message == f"{BUCKET}/{KEY}"
    assert trigger.attributes == {
        "faas.document.collection": BUCKET,
        "faas.document.name": KEY,
        "faas.document.operation": "insert",
        "faas.document.time": "2019-09-03T19:37:27.192Z",
    }
    assert not trigger.is_batch


def test_url_encoded_key_is_decoded() -> None:
    event = load_event("s3EventDecodedKey")
    s3_object = event["Records"][0]["s3"]["object"]

    trigger = read_trigger(event, INFO)

    assert s3_object["key"] == "Happy%20Face.jpg"
    assert trigger.in_links[0] == Link(
        s3_object_key("sourcebucket", s3_object["urlDecodedKey"], s3_object["eTag"])
    )
    assert trigger.message == "sourcebucket/Happy Face.jpg"


def test_plus_is_a_space_and_encoded_plus_a_plus() -> None:
    event = load_event("s3Event")
    event["Records"][0]["s3"]["object"]["key"] = "reports/Q1+2024%2Bdraft+%E2%9C%93.pdf"

    trigger = read_trigger(event, INFO)

    assert trigger.in_links[0].key == s3_object_key(
        BUCKET, "reports/Q1 2024+draft ✓.pdf", KEY
    )


def test_delete_has_no_etag_and_keys_with_an_empty_one() -> None:
    trigger = read_trigger(load_event("s3EventDeleteObject"), INFO)

    assert trigger.in_links[0] == Link(s3_object_key(BUCKET, KEY, ""))
    assert trigger.in_links[1] == Link(s3_request_key("D82B88E5F771F645"))
    assert trigger.attributes["faas.document.operation"] == "delete"


def test_every_record_of_a_batch_is_linked() -> None:
    event = load_event("s3Event")
    record = event["Records"][0]
    event["Records"] = [_with_key(record, f"part-{n}.csv", f"REQ{n}") for n in range(3)]

    trigger = read_trigger(event, INFO)

    expected = []
    for n in range(3):
        expected += [
            Link(s3_object_key(BUCKET, f"part-{n}.csv", KEY)),
            Link(s3_request_key(f"REQ{n}")),
        ]
    assert trigger.in_links[:-1] == expected
    assert trigger.is_batch
    assert trigger.attributes["spot.record_count"] == 3
    # SpotWrap's fields name the first record; one object's name would mislead.
    assert trigger.caller == "REQ0:0C0F6F405D6ED209E1"
    assert "faas.document.name" not in trigger.attributes


def test_notification_without_request_id() -> None:
    event = load_event("s3Event")
    del event["Records"][0]["responseElements"]

    trigger = read_trigger(event, INFO)

    assert trigger.in_links == [
        Link(s3_object_key(BUCKET, KEY, KEY)),
        Link(invoke_key(INFO.request_id)),
    ]
    assert trigger.caller == "0C0F6F405D6ED209E1"


def _with_key(record: dict[str, Any], key: str, request_id: str) -> dict[str, Any]:
    record = copy.deepcopy(record)
    record["s3"]["object"]["key"] = key
    record["responseElements"]["x-amz-request-id"] = request_id
    return record
