"""Prints every event it gets on one line, so a test can read it back."""

import json


def record(event, context):
    print("EVENT " + json.dumps(event))
    return {"ok": True}


def reply(event, context):
    print("EVENT " + json.dumps(event))
    return {
        "statusCode": 201,
        "headers": {
            "Content-Type": "text/plain",
            "X-Route": event.get("routeKey", event.get("resource", "")),
        },
        "body": "created",
    }


def fail_first(event, context):
    """Fails a batch the first time its messages are received."""
    print("EVENT " + json.dumps(event))
    if any(r["attributes"]["ApproximateReceiveCount"] == "1" for r in event["Records"]):
        raise RuntimeError("first delivery fails")
    return {"ok": True}
