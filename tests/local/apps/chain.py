"""An invoke chain: `caller` invokes `callee` through boto3, sync and async."""

import base64
import json


def _lambda_client():
    import boto3  # here, not at the top: callee's cold starts stay quick

    return boto3.client("lambda")


def caller(event, context):
    client = _lambda_client()
    custom = {"order": event.get("order", "none")}
    sync = client.invoke(
        FunctionName=event.get("target", "callee"),
        Payload=json.dumps({"hop": "sync"}).encode(),
        ClientContext=base64.b64encode(
            json.dumps({"custom": custom}).encode()
        ).decode(),
    )
    asynchronous = client.invoke(
        FunctionName="callee",
        InvocationType="Event",
        Payload=json.dumps({"hop": "async"}).encode(),
    )
    return {
        "sync_request_id": sync["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"],
        "sync_payload": json.loads(sync["Payload"].read()),
        "sync_status": sync["StatusCode"],
        "async_request_id": asynchronous["ResponseMetadata"]["HTTPHeaders"][
            "x-amzn-requestid"
        ],
        "async_status": asynchronous["StatusCode"],
    }


def callee(event, context):
    print(f"callee {event.get('hop')} request {context.aws_request_id}")
    custom = context.client_context.custom if context.client_context else None
    return {"request_id": context.aws_request_id, "custom": custom}


def flaky(event, context):
    raise RuntimeError("always fails")


def missing(event, context):
    client = _lambda_client()
    try:
        client.invoke(FunctionName="no-such-function")
    except client.exceptions.ResourceNotFoundException as exc:
        return {"error": exc.response["Error"]["Code"]}
    return {"error": None}
