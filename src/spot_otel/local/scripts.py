"""Where the scripts a worker starts with live: the bootstrap and the exec wrapper.

Both ship as package data.  Lambda execs the wrapper with the bootstrap's
path as its argument, so both must be executable files; a wheel or a copy
can lose the executable bit, so :func:`executable_copy` makes a copy with
mode 0755 when needed.
"""

from __future__ import annotations

import os
import shutil
import stat
from importlib import resources
from pathlib import Path

BOOTSTRAP = "bootstrap"
_WRAPPER_PACKAGE = "spot_otel"
_WRAPPER_PATH = ("wrapper", "spot-otel-wrapper")


def bootstrap_script() -> Path:
    """The bootstrap shipped in this package."""
    return _package_file("spot_otel.local", (BOOTSTRAP,))


def default_exec_wrapper() -> Path | None:
    """spot-otel's exec wrapper, or None when it is not installed."""
    path = _package_file(_WRAPPER_PACKAGE, _WRAPPER_PATH)
    return path if path.is_file() else None


def is_executable(script: Path) -> bool:
    return os.access(script, os.X_OK)


def executable_copy(script: Path, directory: Path) -> Path:
    """A copy of ``script`` in ``directory``, with mode 0755."""
    target = directory / script.name
    shutil.copyfile(script, target)
    target.chmod(
        stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH
    )
    return target


def _package_file(package: str, parts: tuple[str, ...]) -> Path:
    traversable = resources.files(package)
    for part in parts:
        traversable = traversable / part
    # The package is installed as files (editable or a wheel), never zipped:
    # the runtime needs real paths to exec.
    return Path(str(traversable))
