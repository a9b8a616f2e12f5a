"""ARNs and names of the local account, and reading function names back.

The embedded AWS is moto, whose account is ``123456789012``; a function's
ARN uses the same account so that everything a worker sees agrees.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

ACCOUNT_ID = "123456789012"

_FUNCTION_ARN = re.compile(
    r"arn:aws[a-z-]*:lambda:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):"
    r"function:(?P<name>[A-Za-z0-9_-]+)(?::(?P<qualifier>[^:]+))?"
)
_PARTIAL_ARN = re.compile(
    r"(?P<account>\d{12}):function:(?P<name>[A-Za-z0-9_-]+)"
    r"(?::(?P<qualifier>[^:]+))?"
)
_NAME = re.compile(r"(?P<name>[A-Za-z0-9_-]+)(?::(?P<qualifier>[^:]+))?")


def function_arn(region: str, name: str, qualifier: str | None = None) -> str:
    arn = f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{name}"
    return f"{arn}:{qualifier}" if qualifier else arn


def parse_function_ref(ref: str) -> tuple[str, str | None] | None:
    """``(name, qualifier)`` from a name, ``name:qualifier``, a partial ARN
    (``123456789012:function:name``) or a full ARN; None if malformed."""
    ref = unquote(ref)
    for pattern in (_FUNCTION_ARN, _PARTIAL_ARN, _NAME):
        match = pattern.fullmatch(ref)
        if match:
            return match.group("name"), match.group("qualifier")
    return None


def queue_name_for(function: str, index: int, kind: str) -> str:
    """The runtime-owned queue that carries one trigger's notifications."""
    return f"spot-local-{kind}-{function}-{index}"[:80]
