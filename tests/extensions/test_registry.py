"""The registry: one extension per service, the no-op base for the rest."""

from __future__ import annotations

import logging

import pytest
from opentelemetry.trace import SpanKind

from spot_otel import extensions
from spot_otel.extensions import extension_for
from spot_otel.extensions.types import SdkCall, ServiceExtension

from tests.extensions.helpers import CARRIER

KNOWN = {
    "lambda": "LambdaExtension",
    "sns": "SnsExtension",
    "sqs": "SqsExtension",
    "s3": "S3Extension",
    "dynamodb": "DynamoDbExtension",
    "events": "EventsExtension",
    "kinesis": "KinesisExtension",
}


@pytest.fixture(autouse=True)
def _fresh_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(extensions, "_cache", {})


@pytest.mark.parametrize("service, class_name", sorted(KNOWN.items()))
def test_each_known_service_gets_its_own_extension(
    service: str, class_name: str
) -> None:
    extension = extension_for(service)

    assert type(extension).__name__ == class_name
    assert extension is extension_for(service), "loaded once, then cached"


def test_unknown_service_gets_the_no_op_base() -> None:
    extension = extension_for("ec2")
    call = SdkCall("ec2", "DescribeInstances", {"InstanceIds": ["i-1"]})

    assert type(extension) is ServiceExtension
    assert extension.span_kind(call) is SpanKind.CLIENT
    assert extension.request_attributes(call) == {}
    assert extension.target(call) is None
    assert extension.inject(call, CARRIER) is None
    assert extension.out_links(call, {"Reservations": []}, lambda table: None) == []


def test_extension_that_fails_to_import_falls_back_to_the_base(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setitem(
        extensions._LOADERS, "sqs", ("spot_otel.extensions.no_such_module", "Nope")
    )
    caplog.set_level(logging.WARNING, logger="spot_otel.extensions")
    monkeypatch.setattr(logging.getLogger("spot_otel"), "propagate", True)

    extension = extension_for("sqs")

    assert type(extension) is ServiceExtension
    assert "sqs" in caplog.text


def test_extension_class_missing_from_its_module_falls_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(
        extensions._LOADERS, "sns", ("spot_otel.extensions.sns", "Gone")
    )

    assert type(extension_for("sns")) is ServiceExtension
