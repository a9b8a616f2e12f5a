"""Errors the graph raises for its callers (the CLI turns each into one line)."""

from __future__ import annotations


class GraphError(Exception):
    """Base of the graph's user-facing errors; the message is one line."""


class SourceError(GraphError):
    """Records could not be read: a missing or unreachable table, a dump
    that cannot be opened or holds no records."""


class NotFound(GraphError):
    """The selection matched nothing: an unknown request or trace id, or no
    root in the time window."""


class GraphvizMissing(GraphError):
    """SVG was asked for but the ``dot`` program is not installed."""
