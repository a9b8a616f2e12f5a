"""SNS notifications (as delivered to an SQS subscriber) as Lambda SNS events.

SNS wraps each message in a JSON envelope when it delivers to a queue
without raw delivery; Lambda's ``Records[].Sns`` holds the same fields,
with two spellings changed (``SigningCertUrl``, ``UnsubscribeUrl``) and
``Subject`` null when the publisher gave none.
"""

from __future__ import annotations

import json
from typing import Any


def sns_event(envelope_text: str, subscription_arn: str) -> dict[str, Any] | None:
    """The Lambda event for one envelope; None if it is not a notification."""
    try:
        envelope = json.loads(envelope_text)
    except ValueError:
        return None
    if not isinstance(envelope, dict) or envelope.get("Type") != "Notification":
        return None

    sns = {
        "Type": envelope["Type"],
        "MessageId": envelope.get("MessageId"),
        "TopicArn": envelope.get("TopicArn"),
        "Subject": envelope.get("Subject"),
        "Message": envelope.get("Message", ""),
        "Timestamp": envelope.get("Timestamp"),
        "SignatureVersion": envelope.get("SignatureVersion", "1"),
        "Signature": envelope.get("Signature", ""),
        "SigningCertUrl": envelope.get("SigningCertURL", ""),
        "UnsubscribeUrl": envelope.get("UnsubscribeURL", ""),
        "MessageAttributes": envelope.get("MessageAttributes") or {},
    }
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": subscription_arn,
                "Sns": sns,
            }
        ]
    }
