"""wc_reducer: add up one reducer's share of every mapper's counts, into S3."""

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
    job, reducer = event["job"], int(event["reducer"])
    total: Counter[str] = Counter()
    for part in range(int(event["parts"])):
        partial = jobs.read_json(_s3, jobs.map_key(job, part))
        total.update(partial["counts"][reducer])

    key = jobs.reduce_key(job, reducer)
    jobs.write_json(_s3, key, {"reducers": event["reducers"], "counts": total})
    _logger.info("job %s reducer %d: %d distinct words", job, reducer, len(total))
    return {"key": key}
