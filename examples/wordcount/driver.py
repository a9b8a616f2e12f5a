"""wc_driver: start a word count, one mapper per text, by async invoke.

The texts are the ``texts/*.txt`` files shipped beside this module.  The
event may name the job (``{"job": "j1"}``) and the number of reducers
(``{"reducers": 2}``).  ``MAPPER_FUNCTION`` names the mapper.  The answer
says where the result will land.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from pathlib import Path
from typing import Any

import boto3

import jobs

_logger = logging.getLogger(__name__)
_logger.setLevel(os.environ.get("LOG_LEVEL", "INFO").upper())

_lambda = boto3.client("lambda")
TEXTS = Path(__file__).with_name("texts")


def handler(event: Any, context: Any) -> dict[str, Any]:
    fields = event if isinstance(event, dict) else {}
    job = str(fields.get("job") or uuid.uuid4().hex[:12])
    reducers = int(fields.get("reducers", 2))
    texts = sorted(TEXTS.glob("*.txt"))

    for part, path in enumerate(texts):
        task = {
            "job": job,
            "part": part,
            "parts": len(texts),
            "reducers": reducers,
            "text": path.read_text(encoding="utf-8"),
        }
        _lambda.invoke(
            FunctionName=os.environ["MAPPER_FUNCTION"],
            InvocationType="Event",
            Payload=json.dumps(task).encode("utf-8"),
        )

    _logger.info("job %s: %d mappers, %d reducers", job, len(texts), reducers)
    return {
        "job": job,
        "mappers": len(texts),
        "reducers": reducers,
        "result": f"s3://{jobs.bucket()}/{jobs.result_key(job)}",
    }
