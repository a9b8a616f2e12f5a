"""The IAM policies in deploy/: valid, and allowing no more than spot-otel uses.

What a policy allows is judged by moto's IAM policy evaluator, the same one
moto uses when it enforces IAM, against real ARNs.  (moto checks DynamoDB
calls only against the ``*`` resource, so calls made with a user's keys
cannot show a table-scoped policy at work; the evaluator can.)
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.iam.access_control import IAMPolicy, PermissionResult

from tests.deploy.conftest import ACCOUNT, REGION, TEMPLATE, WRITER_POLICY

TABLE_ARN = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/spotFns"
OTHER_TABLE_ARN = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/orders"
INDEXES = ("byTrace", "byInvocation", "byLink", "byDay")


def allows(document: Any, action: str, resource: str) -> bool:
    policy = IAMPolicy(json.dumps(document))
    return policy.is_action_permitted(action, resource) == PermissionResult.PERMITTED


def writer_policy_for(region: str, account: str) -> dict[str, Any]:
    """deploy/iam-policy.json with its placeholders filled in, as the README
    tells a user to do."""
    text = WRITER_POLICY.read_text()
    return json.loads(text.replace("REGION", region).replace("ACCOUNT_ID", account))


@pytest.fixture(scope="module")
def stack() -> dict[str, dict[str, Any]]:
    """The template deployed on moto with key lookup for the ``orders``
    table; the policy documents it made, by output name."""
    with mock_aws():
        cloudformation = boto3.client("cloudformation", region_name=REGION)
        cloudformation.create_stack(
            StackName="spot-otel",
            TemplateBody=TEMPLATE.read_text(),
            Parameters=[
                {"ParameterKey": "KeyLookupTableArns", "ParameterValue": OTHER_TABLE_ARN}
            ],
            Capabilities=["CAPABILITY_IAM"],
        )
        outputs = cloudformation.describe_stacks(StackName="spot-otel")["Stacks"][0][
            "Outputs"
        ]
        iam = boto3.client("iam", region_name=REGION)
        documents = {}
        for output in outputs:
            if output["OutputKey"].endswith("PolicyArn"):
                arn = output["OutputValue"]
                version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
                documents[output["OutputKey"]] = iam.get_policy_version(
                    PolicyArn=arn, VersionId=version
                )["PolicyVersion"]["Document"]
    return documents


def test_writer_policy_file_is_a_policy_iam_accepts() -> None:
    with mock_aws():
        iam = boto3.client("iam", region_name=REGION)
        created = iam.create_policy(
            PolicyName="spot-otel-writer",
            PolicyDocument=json.dumps(writer_policy_for(REGION, ACCOUNT)),
        )
    assert created["Policy"]["Arn"].endswith(":policy/spot-otel-writer")


def test_writer_policy_file_writes_records_to_spotfns_only() -> None:
    policy = writer_policy_for(REGION, ACCOUNT)

    # The sink's one write path; nothing else, not even PutItem.
    assert allows(policy, "dynamodb:BatchWriteItem", TABLE_ARN)
    for action in ("dynamodb:PutItem", "dynamodb:Scan", "dynamodb:Query", "dynamodb:GetItem",
                   "dynamodb:DeleteItem", "dynamodb:UpdateItem", "dynamodb:DeleteTable"):
        assert not allows(policy, action, TABLE_ARN), action
    assert not allows(policy, "dynamodb:BatchWriteItem", OTHER_TABLE_ARN)
    assert not allows(policy, "dynamodb:BatchWriteItem", f"{TABLE_ARN}-copy")


def test_template_writer_policy_is_the_policy_file(
    stack: dict[str, dict[str, Any]],
) -> None:
    assert stack["WriterPolicyArn"] == writer_policy_for(REGION, ACCOUNT)


def test_reader_policy_queries_the_table_and_its_indexes_only(
    stack: dict[str, dict[str, Any]],
) -> None:
    reader = stack["ReaderPolicyArn"]

    assert allows(reader, "dynamodb:DescribeTable", TABLE_ARN)
    assert allows(reader, "dynamodb:Query", TABLE_ARN)
    for index in INDEXES:
        assert allows(reader, "dynamodb:Query", f"{TABLE_ARN}/index/{index}")
    for action in ("dynamodb:Scan", "dynamodb:PutItem", "dynamodb:BatchWriteItem",
                   "dynamodb:DeleteItem", "dynamodb:GetItem"):
        assert not allows(reader, action, TABLE_ARN), action
    assert not allows(reader, "dynamodb:Query", f"{OTHER_TABLE_ARN}/index/byTrace")


def test_key_lookup_policy_describes_the_named_tables_only(
    stack: dict[str, dict[str, Any]],
) -> None:
    lookup = stack["KeyLookupPolicyArn"]

    assert allows(lookup, "dynamodb:DescribeTable", OTHER_TABLE_ARN)
    payroll = OTHER_TABLE_ARN.replace("orders", "payroll")
    assert not allows(lookup, "dynamodb:DescribeTable", payroll)
    assert not allows(lookup, "dynamodb:GetItem", OTHER_TABLE_ARN)
    assert not allows(stack["WriterPolicyArn"], "dynamodb:DescribeTable", OTHER_TABLE_ARN)
