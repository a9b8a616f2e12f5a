"""The S3 extension: writes and deletes link by object version and request id."""

from __future__ import annotations

import io
from typing import Any

import pytest
from opentelemetry.trace import SpanKind

from spot_otel.extensions import extension_for
from spot_otel.links import s3_object_key, s3_request_key

from tests.extensions.helpers import aws_client, call_and_link, keys, sdk_call

EXTENSION = extension_for("s3")
BUCKET = "orders-bucket"


@pytest.fixture
def s3(aws: None) -> Any:
    client = aws_client("s3")
    client.create_bucket(Bucket=BUCKET)
    return client


def test_put_links_object_version_and_request(s3: Any) -> None:
    response, links = call_and_link(
        s3, "PutObject", {"Bucket": BUCKET, "Key": "in/a b+c.json", "Body": b"{}"}
    )

    assert keys(links) == [
        s3_object_key(BUCKET, "in/a b+c.json", response["ETag"]),
        s3_request_key(response["ResponseMetadata"]["RequestId"]),
    ]


def test_copy_links_the_new_objects_etag(s3: Any) -> None:
    s3.put_object(Bucket=BUCKET, Key="src", Body=b"data")
    params = {
        "Bucket": BUCKET,
        "Key": "dst",
        "CopySource": {"Bucket": BUCKET, "Key": "src"},
    }

    response, links = call_and_link(s3, "CopyObject", params)

    assert keys(links) == [
        s3_object_key(BUCKET, "dst", response["CopyObjectResult"]["ETag"]),
        s3_request_key(response["ResponseMetadata"]["RequestId"]),
    ]


def test_complete_multipart_upload_links_the_assembled_object(s3: Any) -> None:
    upload = s3.create_multipart_upload(Bucket=BUCKET, Key="big")["UploadId"]
    part = s3.upload_part(
        Bucket=BUCKET, Key="big", UploadId=upload, PartNumber=1, Body=b"x" * 1024
    )
    params = {
        "Bucket": BUCKET,
        "Key": "big",
        "UploadId": upload,
        "MultipartUpload": {"Parts": [{"ETag": part["ETag"], "PartNumber": 1}]},
    }

    response, links = call_and_link(s3, "CompleteMultipartUpload", params)

    assert response["ETag"].strip('"').endswith("-1"), "a multipart ETag"
    assert keys(links) == [
        s3_object_key(BUCKET, "big", response["ETag"]),
        s3_request_key(response["ResponseMetadata"]["RequestId"]),
    ]


def test_delete_links_the_key_with_no_etag(s3: Any) -> None:
    s3.put_object(Bucket=BUCKET, Key="gone", Body=b"x")

    response, links = call_and_link(
        s3, "DeleteObject", {"Bucket": BUCKET, "Key": "gone"}
    )

    assert keys(links) == [
        s3_object_key(BUCKET, "gone", ""),
        s3_request_key(response["ResponseMetadata"]["RequestId"]),
    ]


def test_delete_objects_links_each_deleted_key(s3: Any) -> None:
    for key in ("a", "b"):
        s3.put_object(Bucket=BUCKET, Key=key, Body=b"x")
    params = {"Bucket": BUCKET, "Delete": {"Objects": [{"Key": "a"}, {"Key": "b"}]}}

    response, links = call_and_link(s3, "DeleteObjects", params)

    assert keys(links) == [
        s3_object_key(BUCKET, "a", ""),
        s3_object_key(BUCKET, "b", ""),
        s3_request_key(response["ResponseMetadata"]["RequestId"]),
    ]


def test_reads_link_nothing(s3: Any) -> None:
    s3.put_object(Bucket=BUCKET, Key="a", Body=b"x")

    response, links = call_and_link(s3, "GetObject", {"Bucket": BUCKET, "Key": "a"})

    assert links == []
    assert response["Body"].read() == b"x", "the body is still the caller's to read"


def test_attributes_and_target_name_bucket_and_key(s3: Any) -> None:
    call = sdk_call(
        s3, "PutObject", {"Bucket": BUCKET, "Key": "k.txt", "Body": b"secret"}
    )

    assert EXTENSION.span_kind(call) is SpanKind.CLIENT
    assert EXTENSION.target(call) == f"{BUCKET}/k.txt"
    assert EXTENSION.request_attributes(call) == {
        "aws.s3.bucket": BUCKET,
        "aws.s3.key": "k.txt",
    }


def test_bucket_calls_target_the_bucket(s3: Any) -> None:
    call = sdk_call(s3, "ListObjectsV2", {"Bucket": BUCKET})

    assert EXTENSION.target(call) == BUCKET


@pytest.mark.parametrize(
    "copy_source", ["orders-bucket/src", {"Bucket": "orders-bucket", "Key": "src"}]
)
def test_copy_source_in_either_form(s3: Any, copy_source: Any) -> None:
    call = sdk_call(
        s3, "CopyObject", {"Bucket": BUCKET, "Key": "dst", "CopySource": copy_source}
    )

    assert (
        EXTENSION.request_attributes(call)["aws.s3.copy_source"] == "orders-bucket/src"
    )


def test_upload_part_names_upload_and_part(s3: Any) -> None:
    params = {"Bucket": BUCKET, "Key": "big", "UploadId": "u-1", "PartNumber": 3}

    attributes = EXTENSION.request_attributes(sdk_call(s3, "UploadPart", params))

    assert attributes["aws.s3.upload_id"] == "u-1"
    assert attributes["aws.s3.part_number"] == 3


class _Unreadable(io.RawIOBase):
    """A body that fails the test if anything reads or seeks it."""

    def read(self, size: int = -1) -> bytes:
        raise AssertionError("the object body was read")

    def seek(self, offset: int, whence: int = 0) -> int:
        raise AssertionError("the object body was moved")


def test_object_contents_are_never_touched(s3: Any) -> None:
    params = {"Bucket": BUCKET, "Key": "k", "Body": _Unreadable()}
    call = sdk_call(s3, "PutObject", params)
    response = {"ETag": '"abc"', "ResponseMetadata": {"RequestId": "r-1"}}

    EXTENSION.request_attributes(call)
    EXTENSION.target(call)
    links = EXTENSION.out_links(call, response, lambda table: None)

    assert keys(links) == [s3_object_key(BUCKET, "k", "abc"), s3_request_key("r-1")]
