"""Where a word-count job keeps its data in the bucket, and how words are split.

One job, in ``BUCKET``::

    map/<job>/<part>.json      a mapper's counts, one table per reducer
    reduce/<job>/<n>.json      a reducer's counts
    claims/<job>/<step>        written once, by the coordinator that runs <step>
    result/<job>.json          every word's count, most frequent first

The bucket notifies the coordinator of new objects under ``map/`` and
``reduce/`` only, so claims and results start nothing.
"""

from __future__ import annotations

import json
import os
import re
import zlib
from typing import Any

MAP_PREFIX = "map/"
REDUCE_PREFIX = "reduce/"
CLAIM_PREFIX = "claims/"
RESULT_PREFIX = "result/"

_WORD = re.compile(r"[a-z]+(?:'[a-z]+)*")


def bucket() -> str:
    return os.environ["BUCKET"]


def words(text: str) -> list[str]:
    """The words of ``text``, lower-cased."""
    return _WORD.findall(text.lower())


def reducer_of(word: str, reducers: int) -> int:
    """Which reducer counts ``word``: the same one in every mapper."""
    return zlib.crc32(word.encode("utf-8")) % reducers


def map_key(job: str, part: int) -> str:
    return f"{MAP_PREFIX}{job}/{part}.json"


def reduce_key(job: str, reducer: int) -> str:
    return f"{REDUCE_PREFIX}{job}/{reducer}.json"


def claim_key(job: str, step: str) -> str:
    return f"{CLAIM_PREFIX}{job}/{step}"


def result_key(job: str) -> str:
    return f"{RESULT_PREFIX}{job}.json"


def job_of(key: str) -> str:
    """The job a ``map/`` or ``reduce/`` key belongs to."""
    return key.split("/")[1]


def read_json(s3: Any, key: str) -> Any:
    return json.loads(s3.get_object(Bucket=bucket(), Key=key)["Body"].read())


def write_json(s3: Any, key: str, document: Any) -> None:
    s3.put_object(
        Bucket=bucket(),
        Key=key,
        Body=json.dumps(document).encode("utf-8"),
        ContentType="application/json",
    )
