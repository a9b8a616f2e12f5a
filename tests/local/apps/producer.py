"""Writes once to each event source: a bucket, a table, a queue, a topic and a bus."""

import json
import os


def produce(event, context):
    import boto3

    region = os.environ["AWS_REGION"]
    account = context.invoked_function_arn.split(":")[4]
    boto3.client("s3").put_object(Bucket="inbox", Key="in/order 1.json", Body=b"{}")
    boto3.client("dynamodb").put_item(
        TableName="orders", Item={"id": {"S": "order-1"}, "state": {"S": "new"}}
    )
    queue_url = boto3.client("sqs").get_queue_url(QueueName="jobs")["QueueUrl"]
    boto3.client("sqs").send_message(QueueUrl=queue_url, MessageBody="job")
    boto3.client("sns").publish(
        TopicArn=f"arn:aws:sns:{region}:{account}:alerts", Message="alert"
    )
    boto3.client("events").put_events(
        Entries=[
            {
                "Source": "orders",
                "DetailType": "created",
                "Detail": json.dumps({"id": 1}),
                "EventBusName": "app-bus",
            }
        ]
    )
    return {"done": True}
