"""Plain Lambda handlers for the runtime's own behaviour (no tracing here)."""

import os
import threading
import time

INVOCATIONS = 0
"""Counts invocations in this process: it starts again on a cold start."""


def count(event, context):
    global INVOCATIONS
    INVOCATIONS += 1
    if event.get("sleep"):
        time.sleep(event["sleep"])
    return {
        "invocations": INVOCATIONS,
        "pid": os.getpid(),
        "request_id": context.aws_request_id,
        "function_arn": context.invoked_function_arn,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "event": event,
        "env": {
            name: os.environ.get(name)
            for name in (
                "AWS_LAMBDA_FUNCTION_NAME",
                "AWS_LAMBDA_FUNCTION_VERSION",
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
                "AWS_LAMBDA_LOG_GROUP_NAME",
                "AWS_REGION",
                "LAMBDA_TASK_ROOT",
                "TZ",
                "_X_AMZN_TRACE_ID",
                "GREETING",
            )
        },
        "cwd": os.getcwd(),
    }


def fail(event, context):
    raise ValueError("the handler failed on purpose")


def crash(event, context):
    os._exit(3)


def spin(event, context):
    while True:
        pass


_ticks = []


def _tick():
    while True:
        _ticks.append(time.monotonic())
        time.sleep(0.01)


def ticker(event, context):
    """Starts a background thread once; reports the longest pause it saw."""
    if not _ticks:
        threading.Thread(target=_tick, daemon=True).start()
        while not _ticks:
            time.sleep(0.001)
    gaps = [later - earlier for earlier, later in zip(_ticks, _ticks[1:])]
    return {
        "ticks": len(_ticks),
        "longest_pause": max(gaps, default=0.0),
        "pid": os.getpid(),
    }


def from_layer(event, context):
    import shared_lib

    return {"greeting": shared_lib.GREETING}
