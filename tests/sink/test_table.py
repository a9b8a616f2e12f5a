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
