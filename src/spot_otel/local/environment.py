"""The environment and command line of a worker, as Lambda gives them.

A worker's environment is built from scratch, as Lambda's is: the reserved
Lambda variables, credentials and endpoints of the (embedded) AWS, then the
function's own variables from the app spec, which may override the
defaults (``OTEL_*``, ``AWS_LAMBDA_LOG_LEVEL``, ...).  Nothing of the host's
environment leaks in but ``PATH`` and the locale, so a function cannot come
to depend on the developer's shell.
"""

from __future__ import annotations

import os
import sys
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Mapping

from spot_otel.environment_variables import (
    OTEL_EXPORTER_SPOTFNS_TABLE,
    SPOT_OTEL_PYTHON,
)
from spot_otel.local.spec import FunctionSpec

_HOST_VARIABLES = ("PATH", "LANG", "LC_ALL", "TMPDIR")
_EXECUTION_ENV = "AWS_Lambda_python{}.{}".format(*sys.version_info[:2])


@dataclass(frozen=True)
class RuntimeContext:
    """What every worker of one app shares."""

    region: str
    aws_endpoint: str
    lambda_endpoint: str
    runtime_dir: Path
    bootstrap: Path
    credentials: Mapping[str, str] = field(default_factory=dict)
    spotfns_table: str = "spotFns"
    python: str = sys.executable


def worker_command(function: FunctionSpec, context: RuntimeContext) -> list[str]:
    """``[EXEC_WRAPPER] BOOTSTRAP``, as Lambda starts a runtime."""
    command = [str(context.bootstrap)]
    if function.exec_wrapper is not None:
        command.insert(0, str(function.exec_wrapper))
    return command


def worker_environment(
    function: FunctionSpec, context: RuntimeContext, runtime_api: str
) -> dict[str, str]:
    """The full environment of one worker of ``function``."""
    env = {name: os.environ[name] for name in _HOST_VARIABLES if name in os.environ}
    python_path = [str(function.code)]
    if function.layer is not None:
        python_path.append(str(function.layer))
    now = datetime.now(timezone.utc)
    env.update(
        {
            "AWS_LAMBDA_FUNCTION_NAME": function.name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{function.name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": f"{now:%Y/%m/%d}/[$LATEST]{uuid.uuid4().hex}",
            "AWS_LAMBDA_RUNTIME_API": runtime_api,
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_EXECUTION_ENV": _EXECUTION_ENV,
            "AWS_REGION": context.region,
            "AWS_DEFAULT_REGION": context.region,
            "AWS_ENDPOINT_URL": context.aws_endpoint,
            "AWS_ENDPOINT_URL_LAMBDA": context.lambda_endpoint,
            "LAMBDA_TASK_ROOT": str(function.code),
            "LAMBDA_RUNTIME_DIR": str(context.runtime_dir),
            "PYTHONPATH": os.pathsep.join(python_path),
            "TZ": ":UTC",
            "_HANDLER": function.handler,
            SPOT_OTEL_PYTHON: context.python,
            OTEL_EXPORTER_SPOTFNS_TABLE: context.spotfns_table,
            **context.credentials,
        }
    )
    if function.exec_wrapper is not None:
        env["AWS_LAMBDA_EXEC_WRAPPER"] = str(function.exec_wrapper)
    env.update(function.env)
    return env
