"""``spot-otel table`` through the CLI's entry function."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from spot_otel import records
from spot_otel.cli import main
from tests.sink.conftest import REGION, table_items

REQUEST_ID = "7a0f2b4d-7777-4a4a-b1b1-000000000007"


@pytest.fixture
def aws():
    with mock_aws():
        yield boto3.client("dynamodb", region_name=REGION)


def test_create_then_create_again(aws, capsys):
    assert (
        main(["table", "create", "--table", "cliTable", "--ttl-days", "7", "--stream"])
        == 0
    )
    created = capsys.readouterr().out

    assert main(["table", "create", "--table", "cliTable"]) == 0
    again = capsys.readouterr().out

    assert created.startswith("created table cliTable in us-east-1")
    assert "byTrace, byInvocation, byLink" in created
    assert f"TTL:     {records.TTL_ATTRIBUTE}" in created
    assert "stream:  NEW_IMAGE" in created
    assert "OTEL_EXPORTER_SPOTFNS_TTL_DAYS=7" in created
    assert again.startswith("table already exists: cliTable")
    assert aws.describe_table(TableName="cliTable")["Table"]["TableStatus"] == "ACTIVE"


def test_create_on_a_table_from_before_the_time_index_adds_it(aws, capsys):
    assert main(["table", "create", "--table", "oldTable"]) == 0
    aws.update_table(
        TableName="oldTable",
        GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": records.TIME_INDEX}}],
    )
    assert main(["table", "describe", "--table", "oldTable"]) == 0
    described = capsys.readouterr().out

    assert main(["table", "create", "--table", "oldTable"]) == 0
    upgraded = capsys.readouterr().out

    assert "note:    missing index byDay" in described
    assert "indexes: byTrace, byInvocation, byLink, byDay" in upgraded
    assert "note:    adding index byDay" in upgraded


def test_table_name_comes_from_the_environment(aws, capsys, monkeypatch):
    monkeypatch.setenv("OTEL_EXPORTER_SPOTFNS_TABLE", "envTable")

    assert main(["table", "create"]) == 0
    assert main(["table", "describe"]) == 0

    out = capsys.readouterr().out
    assert "table envTable in us-east-1" in out
    assert "status:  ACTIVE" in out


def test_dump_writes_plain_json_lines_the_graph_can_read(aws, traced, tmp_path, capsys):
    assert main(["table", "create"]) == 0
    sink = traced()
    with sink.invocation(REQUEST_ID):
        sink.sdk_calls(REQUEST_ID, 2)
    assert sink.provider.force_flush(2000)
    dump = tmp_path / "spotFns.jsonl"

    assert main(["table", "dump", "-o", str(dump)]) == 0

    lines = dump.read_text().splitlines()
    assert f"dumped {len(lines)} items" in capsys.readouterr().out
    items = [json.loads(line) for line in lines]
    assert {item["requestID"] for item in items} == set(table_items(aws))
    for item in items:
        assert isinstance(item["ts"], int)
        assert isinstance(item["duration"], (int, float))
    read_back = [records.from_item(item) for item in items]
    assert sorted(record.record_type for record in read_back) == [
        "call",
        "call",
        "entry",
        "exit",
        "link",
    ]


def test_dump_to_standard_output(aws, capsys):
    assert main(["table", "create"]) == 0
    aws.put_item(
        TableName="spotFns",
        Item={"requestID": {"S": "old:entry"}, "ts": {"N": "1500000000000"}},
    )
    capsys.readouterr()

    assert main(["table", "dump"]) == 0

    captured = capsys.readouterr()
    assert json.loads(captured.out) == {"requestID": "old:entry", "ts": 1500000000000}
    assert "dumped 1 items" in captured.err


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["table", "describe", "--table", "nope"], "table 'nope' not found"),
        (["table", "dump", "--table", "nope"], "table 'nope' not found"),
        (["table", "create", "--ttl-days", "-1"], "--ttl-days must be 0 or more"),
    ],
)
def test_errors_are_one_line_and_exit_2(aws, capsys, argv, expected):
    assert main(argv) == 2

    err = capsys.readouterr().err
    assert err.startswith("spot-otel: error: ")
    assert expected in err
    assert err.count("\n") == 1
    assert "Traceback" not in err
