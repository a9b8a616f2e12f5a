"""The package logger: silent unless the user asks for it.

Every module logs through ``logging.getLogger(__name__)``, so all records pass
through the ``spot_otel`` logger.  It gets a ``NullHandler`` and does not
propagate, so a Lambda function's own logs stay clean.  Set
``SPOT_OTEL_LOG_LEVEL`` (``debug``, ``info``, ``warning``) to send the
package's records to stderr, where Lambda puts them in CloudWatch Logs.

Warnings about dropped records are the exception: they go to the root logger
as well, because losing telemetry silently is worse than a line in the log.
"""

from __future__ import annotations

import logging
import os
import sys

from spot_otel.environment_variables import SPOT_OTEL_LOG_LEVEL

PACKAGE_LOGGERS = ("spot_otel", "spot_otel_exporter")
"""The instrumentation's and the exporter's package loggers."""


def configure_package_logger() -> None:
    """Attach the packages' handlers once; safe to call again."""
    for name in PACKAGE_LOGGERS:
        _configure(logging.getLogger(name))


def _configure(logger: logging.Logger) -> None:
    if getattr(logger, "_spot_configured", False):
        return

    logger._spot_configured = True  # type: ignore[attr-defined]
    level_name = os.environ.get(SPOT_OTEL_LOG_LEVEL, "").strip().upper()
    level = logging.getLevelName(level_name) if level_name else None
    if isinstance(level, int):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(
            logging.Formatter("[spot-otel] %(levelname)s %(name)s: %(message)s")
        )
        logger.addHandler(handler)
        logger.setLevel(level)
        logger.propagate = False
        return

    # Silent by default, except for warnings and errors, which name data loss
    # or broken configuration: those propagate to the root logger.
    logger.addHandler(logging.NullHandler())
    logger.setLevel(logging.WARNING)
