"""wc_mapper: count the words of one text, split by reducer, into S3."""

from __future__ import annotations

import logging
import os
from collections import Counter
from typing import Any

import boto3

import jobs

_logger = logging.getLogger(__name__)
_logger.setLevel(os.environ.get("LOG_LEVEL", "INFO").upper())

_s3 = boto3.client("s3")


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    reducers = int(event["reducers"])
    tables: list[Counter[str]] = [Counter() for _ in range(reducers)]
    for word in jobs.words(event["text"]):
        tables[jobs.reducer_of(word, reducers)][word] += 1

    key = jobs.map_key(event["job"], int(event["part"]))
    jobs.write_json(
        _s3,
        key,
        {"parts": event["parts"], "reducers": reducers, "counts": tables},
    )
    counted = sum(sum(table.values()) for table in tables)
    _logger.info("job %s part %s: %d words", event["job"], event["part"], counted)
    return {"key": key}
