"""The DynamoDB extension: item writes link by table and key digest."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import boto3
import pytest
from boto3.dynamodb.types import Binary
from opentelemetry.trace import SpanKind

from spot_otel.extensions import extension_for
from spot_otel.links import ddb_item_key

from tests.extensions.helpers import (
    aws_client,
    call_and_link,
    describe_key_schema,
    keys,
    sdk_call,
)

EXTENSION = extension_for("dynamodb")
SECRET = "card 4111 1111 1111 1111"


def order_key(pk: str, sk: int) -> str:
    return ddb_item_key("orders", {"pk": {"S": pk}, "sk": {"N": str(sk)}})


def user_key(user_id: str) -> str:
    return ddb_item_key("users", {"id": {"S": user_id}})


@pytest.fixture
def ddb(aws: None) -> Any:
    client = aws_client("dynamodb")
    client.create_table(
        TableName="orders",
        KeySchema=[
            {"AttributeName": "sk", "KeyType": "RANGE"},
            {"AttributeName": "pk", "KeyType": "HASH"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "N"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    client.create_table(
        TableName="users",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return client


def order_item(pk: str, sk: int) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"N": str(sk)}, "card": {"S": SECRET}}


def test_put_item_links_by_the_key_attributes_of_the_schema(ddb: Any) -> None:
    params = {"TableName": "orders", "Item": order_item("a", 1)}

    _, links = call_and_link(ddb, "PutItem", params, describe_key_schema(ddb))

    assert keys(links) == [order_key("a", 1)]
    assert all(link.at_ms is None for link in links), "the instrumentation stamps time"


def test_put_item_without_a_known_schema_gets_no_link(ddb: Any) -> None:
    params = {"TableName": "orders", "Item": order_item("a", 1)}

    _, links = call_and_link(ddb, "PutItem", params, lambda table: None)

    assert links == []


@pytest.mark.parametrize("operation", ["UpdateItem", "DeleteItem"])
def test_update_and_delete_link_by_their_key(ddb: Any, operation: str) -> None:
    ddb.put_item(TableName="orders", Item=order_item("a", 1))
    params: dict[str, Any] = {
        "TableName": "orders",
        "Key": {"pk": {"S": "a"}, "sk": {"N": "1"}},
    }
    if operation == "UpdateItem":
        params["UpdateExpression"] = "SET card = :c"
        params["ExpressionAttributeValues"] = {":c": {"S": SECRET}}

    _, links = call_and_link(ddb, operation, params, lambda table: None)

    assert keys(links) == [order_key("a", 1)]


def test_batch_write_links_every_put_and_delete_of_every_table(ddb: Any) -> None:
    ddb.put_item(TableName="users", Item={"id": {"S": "old"}})
    params = {
        "RequestItems": {
            "orders": [
                {"PutRequest": {"Item": order_item("a", 1)}},
                {"PutRequest": {"Item": order_item("b", 2)}},
            ],
            "users": [
                {"DeleteRequest": {"Key": {"id": {"S": "old"}}}},
                {"PutRequest": {"Item": {"id": {"S": "new"}, "name": {"S": SECRET}}}},
            ],
        }
    }

    response, links = call_and_link(
        ddb, "BatchWriteItem", params, describe_key_schema(ddb)
    )

    assert response["UnprocessedItems"] == {}
    assert keys(links) == [
        order_key("a", 1),
        order_key("b", 2),
        user_key("old"),
        user_key("new"),
    ]


def test_batch_write_leaves_out_unprocessed_items(ddb: Any) -> None:
    # moto processes every item, so the throttled answer is shaped by hand
    # after DynamoDB's: the unprocessed requests come back as they were sent.
    requests = [
        {"PutRequest": {"Item": order_item("a", 1)}},
        {"PutRequest": {"Item": order_item("b", 2)}},
        {"DeleteRequest": {"Key": {"pk": {"S": "c"}, "sk": {"N": "3"}}}},
    ]
    call = sdk_call(ddb, "BatchWriteItem", {"RequestItems": {"orders": requests}})
    response = {"UnprocessedItems": {"orders": [requests[1], requests[2]]}}

    links = EXTENSION.out_links(call, response, describe_key_schema(ddb))

    assert keys(links) == [order_key("a", 1)]


def test_transact_write_links_puts_updates_and_deletes_but_not_checks(ddb: Any) -> None:
    ddb.put_item(TableName="users", Item={"id": {"S": "u1"}})
    ddb.put_item(TableName="users", Item={"id": {"S": "u2"}})
    ddb.put_item(TableName="orders", Item=order_item("checked", 9))
    params = {
        "TransactItems": [
            {"Put": {"TableName": "orders", "Item": order_item("a", 1)}},
            {
                "Update": {
                    "TableName": "users",
                    "Key": {"id": {"S": "u1"}},
                    "UpdateExpression": "SET n = :n",
                    "ExpressionAttributeValues": {":n": {"S": SECRET}},
                }
            },
            {"Delete": {"TableName": "users", "Key": {"id": {"S": "u2"}}}},
            {
                "ConditionCheck": {
                    "TableName": "orders",
                    "Key": {"pk": {"S": "checked"}, "sk": {"N": "9"}},
                    "ConditionExpression": "attribute_exists(pk)",
                }
            },
        ]
    }

    _, links = call_and_link(
        ddb, "TransactWriteItems", params, describe_key_schema(ddb)
    )

    assert keys(links) == [order_key("a", 1), user_key("u1"), user_key("u2")]


def test_key_schema_is_asked_once_per_table_in_a_call(ddb: Any) -> None:
    asked: list[str] = []
    lookup = describe_key_schema(ddb)

    def counting(table: str) -> Any:
        asked.append(table)
        return lookup(table)

    items = [{"PutRequest": {"Item": order_item(str(n), n)}} for n in range(5)]
    call_and_link(ddb, "BatchWriteItem", {"RequestItems": {"orders": items}}, counting)

    assert asked == ["orders"]


def _params_as_the_resource_layer_passes_them(ddb_resource: Any, write: Any) -> Any:
    """Run ``write`` through boto3's resource layer and keep the params it
    hands to botocore, before boto3 types them inside the call."""
    seen: list[Any] = []
    events = ddb_resource.meta.client.meta.events
    events.register_first(
        "provide-client-params.dynamodb.*",
        lambda params, **_: seen.append(dict(params)),
    )
    write()
    return seen[-1]


def test_resource_layer_plain_values_link_like_typed_ones(ddb: Any) -> None:
    table = boto3.session.Session().resource("dynamodb").Table("orders")
    item = {"pk": "a", "sk": Decimal(1), "card": SECRET}
    params = _params_as_the_resource_layer_passes_them(
        table, lambda: table.put_item(Item=item)
    )
    call = sdk_call(ddb, "PutItem", params)

    assert params["Item"]["pk"] == "a", "the resource layer has not typed it yet"
    links = EXTENSION.out_links(call, {}, describe_key_schema(ddb))
    assert keys(links) == [order_key("a", 1)]


def test_resource_layer_batch_writer_links_like_typed_ones(ddb: Any) -> None:
    table = boto3.session.Session().resource("dynamodb").Table("users")

    def write() -> None:
        with table.batch_writer() as batch:
            batch.put_item(Item={"id": "new"})
            batch.delete_item(Key={"id": "old"})

    params = _params_as_the_resource_layer_passes_them(table, write)
    call = sdk_call(ddb, "BatchWriteItem", params)

    links = EXTENSION.out_links(
        call, {"UnprocessedItems": {}}, describe_key_schema(ddb)
    )
    assert keys(links) == [user_key("new"), user_key("old")]


def test_binary_keys_link_alike_in_both_forms() -> None:
    client = aws_client("dynamodb")
    typed = sdk_call(
        client, "DeleteItem", {"TableName": "blobs", "Key": {"id": {"B": b"\x00\x01"}}}
    )
    plain = sdk_call(
        client, "DeleteItem", {"TableName": "blobs", "Key": {"id": Binary(b"\x00\x01")}}
    )

    typed_links = EXTENSION.out_links(typed, {}, lambda table: None)
    plain_links = EXTENSION.out_links(plain, {}, lambda table: None)

    assert (
        keys(typed_links)
        == keys(plain_links)
        == [ddb_item_key("blobs", {"id": {"B": b"\x00\x01"}})]
    )


def test_table_given_as_arn_links_by_its_name() -> None:
    client = aws_client("dynamodb")
    arn = "arn:aws:dynamodb:us-east-1:123456789012:table/users"
    call = sdk_call(
        client, "DeleteItem", {"TableName": arn, "Key": {"id": {"S": "u1"}}}
    )

    links = EXTENSION.out_links(call, {}, lambda table: None)

    assert keys(links) == [user_key("u1")]
    assert EXTENSION.target(call) == "users"


def test_attributes_name_tables_and_operation_but_never_values(ddb: Any) -> None:
    single = sdk_call(
        ddb, "PutItem", {"TableName": "orders", "Item": order_item("a", 1)}
    )
    batch = sdk_call(
        ddb,
        "BatchWriteItem",
        {
            "RequestItems": {
                "orders": [{"PutRequest": {"Item": order_item("a", 1)}}],
                "users": [{"DeleteRequest": {"Key": {"id": {"S": "u"}}}}],
            }
        },
    )

    assert EXTENSION.span_kind(single) is SpanKind.CLIENT
    assert EXTENSION.request_attributes(single) == {
        "db.system.name": "aws.dynamodb",
        "db.operation.name": "PutItem",
        "aws.dynamodb.table_names": ("orders",),
        "db.collection.name": "orders",
    }
    assert EXTENSION.request_attributes(batch)["aws.dynamodb.table_names"] == (
        "orders",
        "users",
    )
    assert EXTENSION.target(batch) == "orders,users"
    everything = [
        *EXTENSION.request_attributes(single).values(),
        EXTENSION.target(single),
    ]
    assert not any(SECRET in str(value) or "'a'" in str(value) for value in everything)


def test_transact_tables_are_named(ddb: Any) -> None:
    call = sdk_call(
        ddb,
        "TransactGetItems",
        {
            "TransactItems": [
                {"Get": {"TableName": "users", "Key": {"id": {"S": "u"}}}},
                {
                    "Get": {
                        "TableName": "orders",
                        "Key": {"pk": {"S": "a"}, "sk": {"N": "1"}},
                    }
                },
            ]
        },
    )

    assert EXTENSION.request_attributes(call)["aws.dynamodb.table_names"] == (
        "users",
        "orders",
    )
    assert EXTENSION.out_links(call, {}, lambda table: None) == []


def test_reads_link_nothing(ddb: Any) -> None:
    params = {"TableName": "orders", "Key": {"pk": {"S": "a"}, "sk": {"N": "1"}}}

    _, links = call_and_link(ddb, "GetItem", params, describe_key_schema(ddb))

    assert links == []
