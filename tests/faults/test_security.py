"""Fault family 7: nothing the user's data holds is recorded, and nothing listens
beyond loopback.

An app on the local runtime, every function traced through the exec wrapper,
carries planted secrets everywhere AWS carries data: SQS bodies and message
attributes, SNS messages, subjects and attributes, S3 object contents (also
read back), DynamoDB item values and keys (also read back), EventBridge
details, Invoke payloads, return values, HTTP bodies, query strings and
headers (Authorization, Cookie), and the functions' environment (AWS
credentials, a password).  Every consumer runs.  Then the whole spotFns
table is dumped and searched: no secret may appear anywhere in it.

While the app runs, every listening socket of the runtime and its workers is
read from /proc: each must be bound to 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import urllib.request
from typing import Any, Iterator

import pytest

from spot_otel.local import LocalApp
from spot_otel.local.scripts import default_exec_wrapper
from tests.faults.conftest import record_figure
from tests.faults.local import dump_table, running, traced
from tests.faults.sockets import listeners

pytestmark = pytest.mark.skipif(
    default_exec_wrapper() is None, reason="spot-otel's exec wrapper is not installed"
)

SECRETS = {
    name: f"SECRET{n:02d}x{name.replace('_', '')}Zq7"
    for n, name in enumerate(
        [
            "sqs_body",
            "sqs_attr",
            "sns_message",
            "sns_subject",
            "sns_attr",
            "s3_object",
            "ddb_key",
            "ddb_value",
            "eb_detail",
            "invoke_payload",
            "returned",
            "event_field",
            "http_body",
            "http_query",
            "http_authorization",
            "http_cookie",
            "env_secret_key",
            "env_session_token",
            "env_password",
        ]
    )
}
ENV = {
    "AWS_SECRET_ACCESS_KEY": SECRETS["env_secret_key"],
    "AWS_SESSION_TOKEN": SECRETS["env_session_token"],
    "DB_PASSWORD": SECRETS["env_password"],
}
CONSUMERS = ["on_sqs", "on_sns", "on_s3", "on_ddb", "on_eb", "callee", "web"]


def consumer(trigger: dict[str, Any]) -> dict[str, Any]:
    return traced("planted.consume", triggers=[trigger])


SPEC = {
    "app": {"name": "planted", "env": ENV},
    "queues": ["jobs"],
    "topics": ["alerts"],
    "buckets": ["inbox"],
    "tables": {"accounts": {"key": ["pk"], "stream": "NEW_AND_OLD_IMAGES"}},
    "functions": {
        "producer": traced("planted.produce", timeout=30),
        "callee": traced("planted.consume"),
        "on_sqs": consumer({"type": "sqs", "queue": "jobs"}),
        "on_sns": consumer({"type": "sns", "topic": "alerts"}),
        "on_s3": consumer({"type": "s3", "bucket": "inbox"}),
        "on_ddb": consumer({"type": "dynamodb", "table": "accounts"}),
        "on_eb": consumer({"type": "eventbridge", "pattern": {"source": ["shop"]}}),
        "web": traced(
            "planted.http",
            triggers=[{"type": "http", "path": "/orders", "method": "POST"}],
        ),
    },
}


@pytest.fixture(scope="module")
def app(module_environment: None) -> Iterator[LocalApp]:
    yield from running(SPEC)


@pytest.fixture(scope="module")
def table(app: LocalApp) -> list[dict[str, Any]]:
    """Every item of spotFns after the planted secrets went everywhere."""
    result = app.invoke(
        "producer", {"secrets": SECRETS, "note": SECRETS["event_field"]}
    )
    assert result.ok, result.payload
    assert result.json() == {
        "echo": SECRETS["returned"],
        "read_back": True,
        "password_set": True,
    }

    request = urllib.request.Request(
        f"{app.http_url}/orders?token={SECRETS['http_query']}",
        data=json.dumps({"card": SECRETS["http_body"]}).encode(),
        headers={
            "Authorization": f"Bearer {SECRETS['http_authorization']}",
            "Cookie": f"session={SECRETS['http_cookie']}",
            "Content-Type": "application/json",
        },
        method="POST",
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=30) as response:
        assert response.status == 200
        assert SECRETS["http_body"] in response.read().decode()

    app.wait_idle(timeout=60)
    return dump_table(app)


def test_every_consumer_ran_traced(table: list[dict[str, Any]]) -> None:
    # Not vacuous: the secrets really went through traced functions.
    began = {item["function"] for item in table if item["recordType"] == "entry"}
    assert {"producer", *CONSUMERS} <= began


def test_no_planted_secret_is_anywhere_in_the_table(table: list[dict[str, Any]]) -> None:
    text = "\n".join(json.dumps(item, default=str, ensure_ascii=False) for item in table)

    found = sorted(name for name, secret in SECRETS.items() if secret in text)

    assert found == []
    # The search itself works: what a record is meant to hold (the bucket
    # and key an SDK call acted on) is found in the same text.
    assert "inbox/report.txt" in text
    record_figure(
        f"security: {len(SECRETS)} planted secrets, {len(table)} spotFns items "
        "dumped, none found"
    )


def test_every_listening_socket_is_on_loopback(app: LocalApp, table: Any) -> None:
    pids = [os.getpid(), *app.worker_pids()]

    found = listeners(pids)

    # moto, the Invoke API, the HTTP trigger and one Runtime API per worker.
    assert len(found) >= 3 + len(app.worker_pids())
    assert {(listener.family, listener.address) for listener in found} == {
        ("tcp", "127.0.0.1")
    }
