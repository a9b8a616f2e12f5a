"""One guard for all of spot-otel's own logic that runs inside user code.

Everything the instrumentation does around a user's handler or SDK call goes
through :func:`safe_call`: an exception of ours is logged (once per place, at
warning, with the traceback at debug) and the user's code carries on as if
spot-otel were not there.
"""

from __future__ import annotations

import logging
from typing import Callable, TypeVar

_logger = logging.getLogger(__name__)
_T = TypeVar("_T")
_reported: set[str] = set()


def safe_call(what: str, func: Callable[..., _T], *args: object, default: _T) -> _T:
    """Run ``func(*args)``; on any exception log it once under ``what`` and
    return ``default``."""
    try:
        return func(*args)
    except Exception:  # noqa: BLE001 - nothing of ours may reach user code
        report_failure(what)
        return default


def report_failure(what: str) -> None:
    """Log an internal failure: a warning the first time, debug afterwards."""
    if what in _reported:
        _logger.debug("spot-otel failed again in %s", what, exc_info=True)
        return

    _reported.add(what)
    _logger.warning(
        "spot-otel failed in %s; the call goes on untraced by this step "
        "(logged once; SPOT_OTEL_LOG_LEVEL=debug shows every occurrence)",
        what,
        exc_info=True,
    )
