"""The handler the exec wrapper names in ``_HANDLER``.

The exec wrapper moves the user's handler to ``ORIG_HANDLER`` and points
``_HANDLER`` here.  Importing this module sets up tracing on the fast path
(:mod:`spot_otel.tracing_setup`) and wraps the user's handler; the runtime
then calls :func:`lambda_handler`, which is the user's handler, traced.

If the user's module cannot be imported, the import error propagates, so
Lambda reports it as an init error (``Runtime.ImportModuleError``) exactly
as it would without spot-otel.
"""

from __future__ import annotations

import importlib
import os
from typing import Any, Callable

from spot_otel.tracing_setup import configure_tracing


def _load_user_handler() -> Callable[..., Any]:
    handler = os.environ.get("ORIG_HANDLER", "")
    module_name, _, function_name = handler.rpartition(".")
    if not module_name:
        raise RuntimeError(
            f"ORIG_HANDLER={handler!r} does not name MODULE.FUNCTION; "
            "set it, or set AWS_LAMBDA_EXEC_WRAPPER to spot-otel's wrapper"
        )

    configure_tracing(handler)
    module = importlib.import_module(module_name.replace("/", "."))
    return getattr(module, function_name)


lambda_handler = _load_user_handler()
