"""An invocation whose process dies mid-way still shows in the table as begun."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import boto3

from spot_otel.table import create_table
from tests.sink.conftest import REGION, table_items, wait_for

SCRIPT = Path(__file__).with_name("killed_invocation.py")


def test_killed_invocation_keeps_its_entry_and_has_no_exit(moto_server):
    table = "spotFnsKilled"
    request_id = "5e8d0f2b-5555-4e4e-9f9f-000000000005"
    client = boto3.client("dynamodb", region_name=REGION, endpoint_url=moto_server)
    create_table(client, table, ttl=False, stream=False)
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL_DYNAMODB": moto_server,
        "OTEL_EXPORTER_SPOTFNS_REGION": REGION,
    }

    process = subprocess.Popen(
        [sys.executable, str(SCRIPT), table, request_id],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        entry_id = process.stdout.readline().strip()  # type: ignore[union-attr]
        assert entry_id.startswith(f"{request_id}:entry")
        assert wait_for(lambda: entry_id in table_items(client, table), timeout=20)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(10)

    assert process.returncode == -signal.SIGKILL
    items = table_items(client, table)
    assert set(items) == {entry_id}
    entry = items[entry_id]
    assert (entry["recordType"], entry["duration"], entry["error"]) == (
        "entry",
        0,
        "unknown",
    )
    assert entry["thisFnARN"].endswith(":function:orders")
