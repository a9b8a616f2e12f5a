"""Typed reading of one table of an app spec, recording problems by place.

The spec reader walks the parsed TOML (or a dict) through :class:`Section`:
every getter checks type and range, and on a bad value records a problem
(``functions.db_mod.timeout``, "must be a number ...") and returns the
default, so one pass finds every problem in the file.  :meth:`Section.finish`
reports the keys nobody asked for, which catches typos.
"""

from __future__ import annotations

import math
import re
from typing import Any, Mapping, Sequence

Problems = list[tuple[str, str]]
_MISSING: Any = object()


class Section:
    """One table of the spec, at ``place``."""

    def __init__(self, data: Any, place: str, problems: Problems) -> None:
        self.place = place
        self.problems = problems
        if isinstance(data, Mapping):
            self._data: Mapping[str, Any] = data
        else:
            self.problem("", f"must be a table (got {_describe(data)})")
            self._data = {}
        self._seen: set[str] = set()

    # -- places and problems --------------------------------------------------

    def at(self, key: str) -> str:
        """The place of ``key`` inside this section."""
        if not key:
            return self.place
        return f"{self.place}.{key}" if self.place else key

    def problem(self, key: str, what: str) -> None:
        self.problems.append((self.at(key), what))

    def has(self, key: str) -> bool:
        return key in self._data

    def keys(self) -> list[str]:
        return list(self._data)

    def raw(self, key: str, default: Any = None) -> Any:
        self._seen.add(key)
        return self._data.get(key, default)

    def finish(self) -> None:
        """Record every key no getter asked for."""
        for key in self._data:
            if key not in self._seen:
                self.problem(str(key), "unknown setting")

    # -- getters --------------------------------------------------------------

    def section(self, key: str) -> Section:
        value = self.raw(key, {})
        return Section(value, self.at(key), self.problems)

    def text(
        self,
        key: str,
        default: str | None = _MISSING,
        *,
        pattern: str | None = None,
        hint: str = "",
        choices: Sequence[str] | None = None,
    ) -> str:
        value = self._required(key, default)
        if value is _MISSING:
            return ""
        if not isinstance(value, str) or not value:
            self.problem(key, f"must be a non-empty string (got {_describe(value)})")
            return default if isinstance(default, str) else ""
        if choices is not None and value not in choices:
            self.problem(key, f"must be one of {', '.join(choices)} (got {value!r})")
            return default if isinstance(default, str) else value
        if pattern is not None and not re.fullmatch(pattern, value):
            self.problem(key, f"{hint or 'is not a valid name'} (got {value!r})")
        return value

    def string(self, key: str, default: str) -> str:
        """An optional string that may be empty (a prefix, a suffix)."""
        value = self.raw(key, default)
        if not isinstance(value, str):
            self.problem(key, f"must be a string (got {_describe(value)})")
            return default
        return value

    def number(
        self,
        key: str,
        default: float,
        *,
        minimum: float,
        maximum: float,
        above_minimum: bool = False,
    ) -> float:
        value = self.raw(key, default)
        lower = f"above {minimum:g}" if above_minimum else f"at least {minimum:g}"
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
            or value > maximum
            or value < minimum
            or (above_minimum and value == minimum)
        ):
            self.problem(
                key,
                f"must be a number {lower} and at most {maximum:g} "
                f"(got {_describe(value)})",
            )
            return default
        return float(value)

    def integer(self, key: str, default: int, *, minimum: int, maximum: int) -> int:
        value = self.raw(key, default)
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not minimum <= value <= maximum
        ):
            self.problem(
                key,
                f"must be a whole number from {minimum} to {maximum} "
                f"(got {_describe(value)})",
            )
            return default
        return value

    def flag(self, key: str, default: bool) -> bool:
        value = self.raw(key, default)
        if not isinstance(value, bool):
            self.problem(key, f"must be true or false (got {_describe(value)})")
            return default
        return value

    def texts(self, key: str, default: Sequence[str]) -> tuple[str, ...]:
        value = self.raw(key, list(default))
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(
            isinstance(item, str) and item for item in value
        ):
            self.problem(key, f"must be a list of strings (got {_describe(value)})")
            return tuple(default)
        return tuple(value)

    def text_map(self, key: str) -> dict[str, str]:
        """A table of string values (an environment)."""
        value = self.raw(key, {})
        if not isinstance(value, Mapping):
            self.problem(key, f"must be a table of strings (got {_describe(value)})")
            return {}
        result: dict[str, str] = {}
        for name, item in value.items():
            if isinstance(item, bool):
                item = "true" if item else "false"
            if not isinstance(item, (str, int, float)):
                self.problem(
                    f"{key}.{name}", f"must be a string (got {_describe(item)})"
                )
                continue
            result[str(name)] = str(item)
        return result

    def table(self, key: str, *, required: bool = False) -> dict[str, Any] | None:
        """A free-form table (an event pattern, a filter policy)."""
        value = self.raw(key, None)
        if value is None:
            if required:
                self.problem(key, "is required")
            return None
        if not isinstance(value, Mapping) or not value:
            self.problem(key, f"must be a non-empty table (got {_describe(value)})")
            return None
        return dict(value)

    def _required(self, key: str, default: Any) -> Any:
        value = self.raw(key, default)
        if value is _MISSING:
            self.problem(key, "is required")
        return value


def _describe(value: Any) -> str:
    if value is _MISSING or value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return repr(value) if len(value) <= 40 else repr(value[:37] + "...")
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__
