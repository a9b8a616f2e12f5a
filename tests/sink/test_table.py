"""Creating the spotFns table: its shape, idempotence, and clear errors."""

from __future__ import annotations

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from moto import mock_aws

from spot_otel import records
from spot_otel.table import TableError, create_table, describe_table
from tests.sink.conftest import REGION


@pytest.fixture
def client():
    with mock_aws():
        yield boto3.client("dynamodb", region_name=REGION)


def test_create_makes_the_table_the_sink_and_the_graph_need(client):
    state = create_table(client, "spotFns", ttl=True, stream=True)

    assert (state.created, state.status, state.notes) == (True, "ACTIVE", ())
    table = client.describe_table(TableName="spotFns")["Table"]
    assert table["KeySchema"] == [{"AttributeName": "requestID", "KeyType": "HASH"}]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    indexes = {index["IndexName"]: index for index in table["GlobalSecondaryIndexes"]}
    expected_hash = {
        records.TRACE_INDEX: "traceId",
        records.INVOCATION_INDEX: "invocationId",
        records.LINK_INDEX: "linkKey",
    }
    for name, hash_key in expected_hash.items():
        assert indexes[name]["KeySchema"] == [
            {"AttributeName": hash_key, "KeyType": "HASH"},
            {"AttributeName": "ts", "KeyType": "RANGE"},
        ]
        assert indexes[name]["Projection"] == {"ProjectionType": "ALL"}
    assert table["StreamSpecification"] == {
        "StreamEnabled": True,
        "StreamViewType": "NEW_IMAGE",
    }
    ttl = client.describe_time_to_live(TableName="spotFns")["TimeToLiveDescription"]
    assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == (
        "ENABLED",
        records.TTL_ATTRIBUTE,
    )


def test_create_again_reports_the_existing_table(client):
    first = create_table(client, "spotFns", ttl=True, stream=True)
    again = create_table(client, "spotFns", ttl=True, stream=True)

    assert again.created is False
    assert again.notes == ()
    assert (again.indexes, again.ttl_attribute, again.stream_view) == (
        first.indexes,
        first.ttl_attribute,
        first.stream_view,
    )


def test_an_old_spotwrap_table_gets_ttl_and_stream_and_a_note(client):
    client.create_table(
        TableName="spotFns",
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "requestID", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "requestID", "AttributeType": "S"}],
    )

    state = create_table(client, "spotFns", ttl=True, stream=True)

    assert state.created is False
    assert (state.ttl_attribute, state.stream_view) == (
        records.TTL_ATTRIBUTE,
        "NEW_IMAGE",
    )
    assert len(state.notes) == 1
    assert "missing index(es) byTrace, byInvocation, byLink" in state.notes[0]


def test_no_ttl_and_no_stream_unless_asked(client):
    state = create_table(client, "spotFns", ttl=False, stream=False)

    assert (state.ttl_attribute, state.stream_view) == (None, None)


def test_refused_permission_is_named_in_one_line(client):
    def refuse(**_):
        parsed = {
            "Error": {
                "Code": "AccessDeniedException",
                "Message": "User: arn:aws:iam::123456789012:user/dev is not authorized",
            },
            "ResponseMetadata": {"HTTPStatusCode": 400},
        }
        return AWSResponse("https://dynamodb.test", 400, {}, None), parsed

    client.meta.events.register("before-call.dynamodb.CreateTable", refuse)

    with pytest.raises(TableError) as raised:
        create_table(client, "spotFns", ttl=False, stream=False)

    message = str(raised.value)
    assert "dynamodb:CreateTable" in message
    assert "'spotFns'" in message
    assert "\n" not in message


def test_describe_of_a_missing_table_says_how_to_create_it(client):
    with pytest.raises(TableError, match=r"spot-otel table create --table nope"):
        describe_table(client, "nope")


def _table_made_before_the_time_index(client) -> None:
    """spotFns as `spot-otel table create` made it before byDay existed."""
    create_table(client, "spotFns", ttl=False, stream=False)
    client.update_table(
        TableName="spotFns",
        GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": records.TIME_INDEX}}],
    )


def test_create_adds_the_time_index_to_an_older_spot_otel_table(client):
    _table_made_before_the_time_index(client)
    entry = records.Record(
        request_id=records.entry_request_id("inv-1", "00f067aa0ba902b7"),
        ts=1_694_044_800_123,
        invocation_id="inv-1",
    )
    boto3.resource("dynamodb", region_name=REGION).Table("spotFns").put_item(
        Item=records.to_item(entry)
    )
    assert "missing index byDay" in describe_table(client, "spotFns").notes[0]

    state = create_table(client, "spotFns", ttl=False, stream=True)

    assert state.created is False
    assert records.TIME_INDEX in state.indexes
    assert state.stream_view == "NEW_IMAGE"
    assert len(state.notes) == 1 and state.notes[0].startswith("adding index byDay")
    table = client.describe_table(TableName="spotFns")["Table"]
    (index,) = [
        index
        for index in table["GlobalSecondaryIndexes"]
        if index["IndexName"] == records.TIME_INDEX
    ]
    assert index["KeySchema"] == [
        {"AttributeName": "day", "KeyType": "HASH"},
        {"AttributeName": "ts", "KeyType": "RANGE"},
    ]
    assert index["Projection"] == {"ProjectionType": "KEYS_ONLY"}
    definitions = {
        (each["AttributeName"], each["AttributeType"])
        for each in table["AttributeDefinitions"]
    }
    assert {("requestID", "S"), ("ts", "N"), ("traceId", "S"), ("day", "S")} <= (
        definitions
    )
    # The entries already written that carry a day are in it.
    listed = client.query(
        TableName="spotFns",
        IndexName=records.TIME_INDEX,
        KeyConditionExpression="#d = :d",
        ExpressionAttributeNames={"#d": "day"},
        ExpressionAttributeValues={":d": {"S": records.entry_day(entry.ts, "inv-1")}},
    )["Items"]
    assert [item["requestID"]["S"] for item in listed] == [entry.request_id]
    assert create_table(client, "spotFns", ttl=False, stream=True).notes == ()


def test_a_refused_index_update_is_a_note_naming_the_permission(client):
    _table_made_before_the_time_index(client)

    def refuse(**_):
        parsed = {
            "Error": {"Code": "AccessDeniedException", "Message": "not authorized"},
            "ResponseMetadata": {"HTTPStatusCode": 400},
        }
        return AWSResponse("https://dynamodb.test", 400, {}, None), parsed

    client.meta.events.register("before-call.dynamodb.UpdateTable", refuse)

    state = create_table(client, "spotFns", ttl=False, stream=False)

    assert records.TIME_INDEX not in state.indexes
    assert state.notes[0] == (
        "could not add index byDay to 'spotFns': your credentials may not use "
        "dynamodb:UpdateTable"
    )
    assert "`spot-otel table create --table spotFns` adds it" in state.notes[1]


def test_the_indexes_of_a_table_spot_otel_did_not_make_are_left_alone(client):
    client.create_table(
        TableName="spotFns",
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "requestID", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "requestID", "AttributeType": "S"}],
    )

    state = create_table(client, "spotFns", ttl=False, stream=False)

    assert state.indexes == ()
    assert state.notes == (
        "missing index(es) byTrace, byInvocation, byLink, byDay: spot-otel graph "
        "needs them; add them or use a new table",
    )
