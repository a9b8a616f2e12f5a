"""wc_coordinator: move a job on when a step's outputs are all in S3.

The bucket notifies it of every object under ``map/`` and ``reduce/``.

* A mapper's output: once every part is there, invoke one reducer per share
  (async), each with the job's shape.
* A reducer's output: once every share is there, merge them into
  ``result/<job>.json``.

Outputs land close together, so several coordinators may find a step
complete at once.  The one that writes the step's claim object first (S3's
conditional ``If-None-Match: *``) runs it; the others stop.
"""

from __future__ import annotations

import json
import logging
import os
from collections import Counter
from typing import Any
from urllib.parse import unquote_plus

import boto3
from botocore.exceptions import ClientError

import jobs

_logger = logging.getLogger(__name__)
_logger.setLevel(os.environ.get("LOG_LEVEL", "INFO").upper())

_s3 = boto3.client("s3")
_lambda = boto3.client("lambda")

_CLAIM_TAKEN = ("PreconditionFailed", "ConditionalRequestConflict")


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    done = []
    for record in event["Records"]:
        key = unquote_plus(record["s3"]["object"]["key"])
        if key.startswith(jobs.MAP_PREFIX):
            done.append(_after_map(key))
        elif key.startswith(jobs.REDUCE_PREFIX):
            done.append(_after_reduce(key))
    return {"steps": done}


def _after_map(key: str) -> str:
    job = jobs.job_of(key)
    shape = jobs.read_json(_s3, key)
    parts, reducers = int(shape["parts"]), int(shape["reducers"])
    if _present(jobs.MAP_PREFIX + job + "/") < parts or not _claim(job, "reduce"):
        return "waiting"

    for reducer in range(reducers):
        task = {"job": job, "reducer": reducer, "reducers": reducers, "parts": parts}
        _lambda.invoke(
            FunctionName=os.environ["REDUCER_FUNCTION"],
            InvocationType="Event",
            Payload=json.dumps(task).encode("utf-8"),
        )
    _logger.info("job %s: all %d parts mapped; %d reducers started", job, parts, reducers)
    return "reduce"


def _after_reduce(key: str) -> str:
    job = jobs.job_of(key)
    reducers = int(jobs.read_json(_s3, key)["reducers"])
    if _present(jobs.REDUCE_PREFIX + job + "/") < reducers or not _claim(job, "result"):
        return "waiting"

    total: Counter[str] = Counter()
    for reducer in range(reducers):
        total.update(jobs.read_json(_s3, jobs.reduce_key(job, reducer))["counts"])
    ranked = sorted(total.items(), key=lambda pair: (-pair[1], pair[0]))
    jobs.write_json(_s3, jobs.result_key(job), dict(ranked))
    _logger.info("job %s: done, %d distinct words", job, len(total))
    return "result"


def _present(prefix: str) -> int:
    """How many objects are under ``prefix`` (a job holds only a few)."""
    listing = _s3.list_objects_v2(Bucket=jobs.bucket(), Prefix=prefix)
    return int(listing.get("KeyCount", 0))


def _claim(job: str, step: str) -> bool:
    """True for the one coordinator that gets to run ``step`` of ``job``."""
    try:
        _s3.put_object(
            Bucket=jobs.bucket(),
            Key=jobs.claim_key(job, step),
            Body=b"",
            IfNoneMatch="*",
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in _CLAIM_TAKEN:
            return False
        raise
    return True
