"""deploy/template.yaml: valid CloudFormation, and the same table as
``spot-otel table create`` makes, serving the records the sink writes."""

from __future__ import annotations

import json
import re
from typing import Any, Iterator

import boto3
import pytest
from cfnlint.api import lint_file
from moto import mock_aws

from spot_otel import records
from spot_otel.links import Link
from spot_otel.records import Record, to_item, with_link_records
from spot_otel.table import create_table
from tests.deploy.cloudformation import load_template, resolve
from tests.deploy.conftest import ACCOUNT, REGION, REPO, TEMPLATE

INDEX_KEYS = {
    records.TRACE_INDEX: "traceId",
    records.INVOCATION_INDEX: "invocationId",
    records.LINK_INDEX: "linkKey",
    records.TIME_INDEX: "day",
}
PROJECTIONS = {
    records.TRACE_INDEX: "ALL",
    records.INVOCATION_INDEX: "ALL",
    records.LINK_INDEX: "ALL",
    records.TIME_INDEX: "KEYS_ONLY",
}


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


def _table_properties(parameters: dict[str, str] | None = None) -> dict[str, Any]:
    template = load_template()
    table = template["Resources"]["SpotFnsTable"]["Properties"]
    return resolve(template, table, parameters)


def _create_from_template(client: Any, parameters: dict[str, str] | None = None) -> str:
    """boto3 CreateTable with the template's table properties, then its TTL."""
    properties = _table_properties(parameters)
    ttl = properties.pop("TimeToLiveSpecification")
    if "StreamSpecification" in properties:
        # CloudFormation's StreamSpecification has only the view type: giving
        # one turns the stream on, which the API says with StreamEnabled.
        properties["StreamSpecification"] = {
            "StreamEnabled": True,
            **properties["StreamSpecification"],
        }
    client.create_table(**properties)
    client.update_time_to_live(
        TableName=properties["TableName"], TimeToLiveSpecification=ttl
    )
    return str(properties["TableName"])


def _shape(description: dict[str, Any]) -> dict[str, Any]:
    """What makes two tables the same, in a form that compares."""
    indexes = {
        index["IndexName"]: (
            tuple((key["AttributeName"], key["KeyType"]) for key in index["KeySchema"]),
            index["Projection"]["ProjectionType"],
        )
        for index in description.get("GlobalSecondaryIndexes", ())
    }
    return {
        "key": tuple(
            (key["AttributeName"], key["KeyType"]) for key in description["KeySchema"]
        ),
        "attributes": sorted(
            (a["AttributeName"], a["AttributeType"])
            for a in description["AttributeDefinitions"]
        ),
        "indexes": indexes,
        "billing": description["BillingModeSummary"]["BillingMode"],
    }


def test_cfn_lint_finds_nothing() -> None:
    assert [str(match) for match in lint_file(TEMPLATE)] == []


def test_table_properties_name_the_records_keys_and_indexes() -> None:
    table = _table_properties()

    assert table["TableName"] == records.DEFAULT_TABLE
    assert table["KeySchema"] == [
        {"AttributeName": records.PARTITION_KEY, "KeyType": "HASH"}
    ]
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["TimeToLiveSpecification"] == {
        "AttributeName": records.TTL_ATTRIBUTE,
        "Enabled": True,
    }
    assert "StreamSpecification" not in table
    indexes = {index["IndexName"]: index for index in table["GlobalSecondaryIndexes"]}
    assert set(indexes) == set(INDEX_KEYS)
    for name, hash_key in INDEX_KEYS.items():
        assert indexes[name]["KeySchema"] == [
            {"AttributeName": hash_key, "KeyType": "HASH"},
            {"AttributeName": "ts", "KeyType": "RANGE"},
        ]
        assert indexes[name]["Projection"] == {"ProjectionType": PROJECTIONS[name]}


def test_template_table_is_the_table_spot_otel_creates(aws: None) -> None:
    client = boto3.client("dynamodb", region_name=REGION)
    _create_from_template(client, {"TableName": "fromTemplate"})
    create_table(client, "fromCli", ttl=True, stream=False)

    from_template = client.describe_table(TableName="fromTemplate")["Table"]
    from_cli = client.describe_table(TableName="fromCli")["Table"]
    assert _shape(from_template) == _shape(from_cli)
    ttl = client.describe_time_to_live(TableName="fromTemplate")["TimeToLiveDescription"]
    assert ttl["TimeToLiveStatus"] == "ENABLED"
    assert ttl["AttributeName"] == records.TTL_ATTRIBUTE


def test_records_the_sink_writes_are_found_through_each_index(aws: None) -> None:
    client = boto3.client("dynamodb", region_name=REGION)
    table = boto3.resource("dynamodb", region_name=REGION).Table(
        _create_from_template(client)
    )
    record = Record(
        request_id=records.entry_request_id("inv-1", "00f067aa0ba902b7"),
        ts=1_700_000_000_123,
        invocation_id="inv-1",
        trace_id="4bf92f3577b34da6a3ce929d0e0e4736",
        span_id="00f067aa0ba902b7",
        links_in=[
            Link("sqs:059f36b4-87a3-44ab-83d2-661975830a7d"),
            Link("sqs:2e1424d4-f796-459a-8184-9c92662be6da"),
        ],
        expires_at=1_700_600_000,
    )
    written, dropped = with_link_records(record, max_links=8)
    assert dropped == 0
    for each in written:
        table.put_item(Item=to_item(each))

    def query(index: str, attribute: str, value: str) -> list[str]:
        items = table.query(
            IndexName=index,
            KeyConditionExpression="#k = :k",
            ExpressionAttributeNames={"#k": attribute},
            ExpressionAttributeValues={":k": value},
        )["Items"]
        return sorted(item["requestID"] for item in items)

    everything = sorted(each.request_id for each in written)
    assert query(records.TRACE_INDEX, "traceId", record.trace_id) == everything
    assert query(records.INVOCATION_INDEX, "invocationId", "inv-1") == everything
    for each in written:
        assert query(records.LINK_INDEX, "linkKey", str(each.link_key)) == [
            each.request_id
        ]
    # One item per invocation in the time index: the entry, not its link record.
    assert len(written) == 2
    day = records.entry_day(record.ts, "inv-1")
    assert query(records.TIME_INDEX, "day", day) == [record.request_id]


def test_stream_parameter_adds_the_stream(aws: None) -> None:
    client = boto3.client("dynamodb", region_name=REGION)
    _create_from_template(client, {"StreamViewType": "NEW_IMAGE"})

    table = client.describe_table(TableName=records.DEFAULT_TABLE)["Table"]
    assert table["StreamSpecification"] == {
        "StreamEnabled": True,
        "StreamViewType": "NEW_IMAGE",
    }


def _deploy(parameters: dict[str, str]) -> dict[str, str]:
    cloudformation = boto3.client("cloudformation", region_name=REGION)
    cloudformation.create_stack(
        StackName="spot-otel",
        TemplateBody=TEMPLATE.read_text(),
        Parameters=[
            {"ParameterKey": key, "ParameterValue": value}
            for key, value in parameters.items()
        ],
        Capabilities=["CAPABILITY_IAM"],
    )
    stack = cloudformation.describe_stacks(StackName="spot-otel")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    return {output["OutputKey"]: output["OutputValue"] for output in stack["Outputs"]}


def test_stack_deploys_with_defaults(aws: None) -> None:
    outputs = _deploy({})

    assert outputs["TableName"] == records.DEFAULT_TABLE
    assert outputs["TableArn"] == f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/spotFns"
    assert "StreamArn" not in outputs
    assert outputs["WriterPolicyArn"].startswith(f"arn:aws:iam::{ACCOUNT}:policy/")
    assert outputs["ReaderPolicyArn"].startswith(f"arn:aws:iam::{ACCOUNT}:policy/")
    table = boto3.client("dynamodb", region_name=REGION).describe_table(
        TableName=records.DEFAULT_TABLE
    )["Table"]
    assert {index["IndexName"] for index in table["GlobalSecondaryIndexes"]} == set(
        INDEX_KEYS
    )


def test_stack_with_a_stream_a_name_and_a_function_role(aws: None) -> None:
    iam = boto3.client("iam", region_name=REGION)
    iam.create_role(RoleName="orders-fn", AssumeRolePolicyDocument="{}")

    outputs = _deploy(
        {
            "TableName": "tracesDev",
            "StreamViewType": "NEW_AND_OLD_IMAGES",
            "FunctionRoleNames": "orders-fn",
        }
    )

    assert outputs["TableName"] == "tracesDev"
    assert outputs["StreamArn"].startswith(outputs["TableArn"] + "/stream/")
    attached = iam.list_attached_role_policies(RoleName="orders-fn")["AttachedPolicies"]
    assert [policy["PolicyArn"] for policy in attached] == [outputs["WriterPolicyArn"]]


def _readme_command(start: str) -> str:
    """The README's shell command beginning with ``start``, lines joined."""
    text = (REPO / "README.md").read_text()
    command = text[text.index(start) :]
    lines = []
    for line in command.splitlines():
        lines.append(line.rstrip("\\").strip())
        if not line.endswith("\\"):
            break
    return " ".join(lines)


def _shorthand_indexes(command: str) -> list[dict[str, Any]]:
    """The AWS CLI shorthand ``IndexName=...,KeySchema=[...],Projection=...``."""
    pattern = re.compile(
        r'"IndexName=(\w+),KeySchema=\[\{AttributeName=(\w+),KeyType=HASH\},'
        r'\{AttributeName=(\w+),KeyType=RANGE\}\],Projection=\{ProjectionType=(\w+)\}"'
    )
    return [
        {
            "IndexName": name,
            "KeySchema": [
                {"AttributeName": hash_key, "KeyType": "HASH"},
                {"AttributeName": range_key, "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": projection},
        }
        for name, hash_key, range_key, projection in pattern.findall(command)
    ]


def test_readme_create_table_command_is_the_table_spot_otel_creates(aws: None) -> None:
    command = _readme_command("aws dynamodb create-table")
    attributes = re.findall(r"AttributeName=(\w+),AttributeType=(\w)\b", command)
    client = boto3.client("dynamodb", region_name=REGION)
    client.create_table(
        TableName="fromReadme",
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "requestID", "KeyType": "HASH"}],
        AttributeDefinitions=[
            {"AttributeName": name, "AttributeType": kind} for name, kind in attributes
        ],
        GlobalSecondaryIndexes=_shorthand_indexes(command),
    )
    create_table(client, "fromCli", ttl=False, stream=False)

    from_readme = client.describe_table(TableName="fromReadme")["Table"]
    from_cli = client.describe_table(TableName="fromCli")["Table"]
    assert _shape(from_readme) == _shape(from_cli)


def test_readme_update_table_command_adds_the_time_index_create_table_makes(
    aws: None,
) -> None:
    command = _readme_command("aws dynamodb update-table")
    (update,) = json.loads(command[command.index("'[") + 1 : command.rindex("]'") + 1])
    client = boto3.client("dynamodb", region_name=REGION)
    create_table(client, "spotFns", ttl=False, stream=False)

    made = {
        index["IndexName"]: index
        for index in client.describe_table(TableName="spotFns")["Table"][
            "GlobalSecondaryIndexes"
        ]
    }
    index = made[records.TIME_INDEX]
    assert update["Create"] == {
        "IndexName": index["IndexName"],
        "KeySchema": index["KeySchema"],
        "Projection": index["Projection"],
    }
    assert "AttributeName=day,AttributeType=S" in command
