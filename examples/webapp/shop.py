"""A small web shop whose order goes through five functions and four services.

::

    POST /orders ──> shop_front ──SNS──> shop_archive ──S3──> shop_checkout
                                                                    │ invoke (sync)
                                                                    ▼
                             shop_notify <──DynamoDB stream── shop_pricing

* ``shop_front`` takes the HTTP request, gives the order an id and publishes
  it to the ``TOPIC_ARN`` topic; the caller gets ``202`` and the id.
* ``shop_archive`` (subscribed to the topic) stores the order as
  ``orders/<id>.json`` in ``ORDERS_BUCKET``.
* ``shop_checkout`` (notified by the bucket) reads the order and asks
  ``PRICING_FUNCTION`` for its total, synchronously.
* ``shop_pricing`` prices the order from its price list and saves the total
  in ``ORDERS_TABLE``, whose stream starts
* ``shop_notify``, which tells the customer (here: the log) the order is priced.

Each handler is an ordinary Lambda handler using plain boto3.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from decimal import Decimal
from typing import Any
from urllib.parse import unquote_plus

import boto3

_logger = logging.getLogger(__name__)
_logger.setLevel(os.environ.get("LOG_LEVEL", "INFO").upper())

ORDERS_PREFIX = "orders/"
PRICES = {"apple": Decimal("0.40"), "bread": Decimal("2.10"), "milk": Decimal("1.25")}


# -- shop_front: HTTP in, SNS out --------------------------------------------------


def front(event: dict[str, Any], context: Any) -> dict[str, Any]:
    try:
        items = _items(json.loads(event.get("body") or "{}"))
    except ValueError as exc:
        return _http(400, {"error": str(exc)})

    order = {"order_id": uuid.uuid4().hex, "items": items}
    boto3.client("sns").publish(
        TopicArn=os.environ["TOPIC_ARN"],
        Message=json.dumps(order),
    )
    _logger.info("order %s accepted", order["order_id"])
    return _http(202, {"order_id": order["order_id"]})


def _items(body: Any) -> list[dict[str, Any]]:
    items = body.get("items") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        raise ValueError('the body needs "items": [{"sku": ..., "qty": ...}]')
    for item in items:
        if not isinstance(item, dict) or item.get("sku") not in PRICES:
            raise ValueError(f"unknown item; the shop sells {', '.join(sorted(PRICES))}")
        qty = item.get("qty", 1)
        if isinstance(qty, bool) or not isinstance(qty, int) or qty < 1:
            raise ValueError('"qty" must be a whole number, 1 or more')
    return [{"sku": item["sku"], "qty": item.get("qty", 1)} for item in items]


def _http(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json"},
        "body": json.dumps(body),
    }


# -- shop_archive: SNS in, S3 out --------------------------------------------------


def archive(event: dict[str, Any], context: Any) -> dict[str, Any]:
    bucket = os.environ["ORDERS_BUCKET"]
    s3 = boto3.client("s3")
    stored = []
    for record in event["Records"]:
        order = json.loads(record["Sns"]["Message"])
        key = f"{ORDERS_PREFIX}{order['order_id']}.json"
        s3.put_object(Bucket=bucket, Key=key, Body=json.dumps(order).encode("utf-8"))
        stored.append(key)
    _logger.info("archived %d order(s)", len(stored))
    return {"stored": stored}


# -- shop_checkout: S3 in, invoke out ----------------------------------------------


def checkout(event: dict[str, Any], context: Any) -> dict[str, Any]:
    s3 = boto3.client("s3")
    lambda_client = boto3.client("lambda")
    totals = {}
    for record in event["Records"]:
        obj = record["s3"]
        body = s3.get_object(
            Bucket=obj["bucket"]["name"],
            # Notifications carry the key URL-encoded.
            Key=unquote_plus(obj["object"]["key"]),
        )["Body"].read()
        response = lambda_client.invoke(
            FunctionName=os.environ["PRICING_FUNCTION"],
            Payload=body,
        )
        priced = json.loads(response["Payload"].read())
        totals[priced["order_id"]] = priced["total"]
    _logger.info("checked out %d order(s)", len(totals))
    return {"totals": totals}


# -- shop_pricing: invoke in, DynamoDB out -----------------------------------------


def pricing(event: dict[str, Any], context: Any) -> dict[str, Any]:
    total = sum(PRICES[item["sku"]] * item["qty"] for item in event["items"])
    table = boto3.resource("dynamodb").Table(os.environ["ORDERS_TABLE"])
    table.put_item(
        Item={"order_id": event["order_id"], "total": total, "status": "priced"}
    )
    _logger.info("order %s priced", event["order_id"])
    return {"order_id": event["order_id"], "total": str(total)}


# -- shop_notify: DynamoDB stream in -----------------------------------------------


def notify(event: dict[str, Any], context: Any) -> dict[str, Any]:
    order_ids = [
        record["dynamodb"]["Keys"]["order_id"]["S"]
        for record in event["Records"]
        if record.get("eventName") in ("INSERT", "MODIFY")
    ]
    for order_id in order_ids:
        _logger.info("order %s is priced: customer notified", order_id)
    return {"notified": order_ids}
