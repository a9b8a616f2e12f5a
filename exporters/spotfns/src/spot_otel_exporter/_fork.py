"""Resetting per-process state in a forked child.

Locks, sockets, threads and held records belong to the parent; a child that
goes on using them deadlocks or writes the parent's records twice.
"""

from __future__ import annotations

import os
import weakref
from typing import Callable, TypeVar

_T = TypeVar("_T")


def reset_after_fork(owner: _T, reset: Callable[[_T], None]) -> None:
    """Call ``reset(owner)`` in every child forked while ``owner`` lives.

    The registration holds ``owner`` weakly, so it does not keep it alive.
    """
    if not hasattr(os, "register_at_fork"):
        return
    ref = weakref.ref(owner)

    def _after_fork_in_child() -> None:
        alive = ref()
        if alive is not None:
            reset(alive)

    os.register_at_fork(after_in_child=_after_fork_in_child)
