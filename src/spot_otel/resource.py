"""Resource attributes of a Lambda function, read from its environment.

Read from the variables Lambda sets in every function, so no call and no
entry-point scan is needed at cold start.
"""

from __future__ import annotations

import os
from typing import Any

_MB = 1024 * 1024


def lambda_resource_attributes() -> dict[str, Any]:
    """``cloud.*`` and ``faas.*`` resource attributes, where known."""
    env = os.environ
    values: dict[str, Any] = {
        "cloud.provider": "aws",
        "cloud.platform": "aws_lambda",
    }
    optional = {
        "cloud.region": env.get("AWS_REGION"),
        "faas.name": env.get("AWS_LAMBDA_FUNCTION_NAME"),
        "faas.version": env.get("AWS_LAMBDA_FUNCTION_VERSION"),
        "faas.instance": env.get("AWS_LAMBDA_LOG_STREAM_NAME"),
        "aws.log.group.names": (
            (env["AWS_LAMBDA_LOG_GROUP_NAME"],)
            if env.get("AWS_LAMBDA_LOG_GROUP_NAME")
            else None
        ),
    }
    values.update({name: value for name, value in optional.items() if value})
    memory = env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "")
    if memory.isdigit():
        values["faas.max_memory"] = int(memory) * _MB
    return values
