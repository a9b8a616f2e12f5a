"""The sink's settings: explicit arguments first, then environment variables,
then defaults (see :mod:`spot_otel.environment_variables`)."""

from __future__ import annotations

from dataclasses import dataclass

from spot_otel.environment_variables import (
    OTEL_EXPORTER_SPOTFNS_CREATE_TABLE,
    OTEL_EXPORTER_SPOTFNS_FLUSH_BUDGET_MS,
    OTEL_EXPORTER_SPOTFNS_MAX_ATTRIBUTES,
    OTEL_EXPORTER_SPOTFNS_MAX_LINK_KEYS,
    OTEL_EXPORTER_SPOTFNS_TTL_DAYS,
    env_bool,
    env_int,
)
from spot_otel.table import resolve_region, resolve_table_name

_DEFAULT_FLUSH_BUDGET_MS = 2000
_DEFAULT_TTL_DAYS = 0
_DEFAULT_MAX_ATTRIBUTES = 64
_DEFAULT_MAX_LINK_KEYS = 256


@dataclass(frozen=True)
class SinkConfig:
    """Everything the processor, the exporter and the writer are told."""

    table: str
    region: str
    flush_budget_ms: int = _DEFAULT_FLUSH_BUDGET_MS
    ttl_days: int = _DEFAULT_TTL_DAYS
    create_table: bool = False
    max_attributes: int = _DEFAULT_MAX_ATTRIBUTES
    max_link_keys: int = _DEFAULT_MAX_LINK_KEYS

    @classmethod
    def resolve(
        cls,
        *,
        table: str | None = None,
        region: str | None = None,
        flush_budget_ms: int | None = None,
        ttl_days: int | None = None,
        create_table: bool | None = None,
        max_attributes: int | None = None,
        max_link_keys: int | None = None,
    ) -> SinkConfig:
        """Settings from the arguments given, the environment for the rest."""

        def pick(explicit: int | None, name: str, default: int, minimum: int) -> int:
            if explicit is not None:
                return max(minimum, int(explicit))
            return env_int(name, default, minimum=minimum)

        return cls(
            table=resolve_table_name(table),
            region=resolve_region(region),
            flush_budget_ms=pick(
                flush_budget_ms,
                OTEL_EXPORTER_SPOTFNS_FLUSH_BUDGET_MS,
                _DEFAULT_FLUSH_BUDGET_MS,
                1,
            ),
            ttl_days=pick(ttl_days, OTEL_EXPORTER_SPOTFNS_TTL_DAYS, _DEFAULT_TTL_DAYS, 0),
            create_table=(
                create_table
                if create_table is not None
                else env_bool(OTEL_EXPORTER_SPOTFNS_CREATE_TABLE, False)
            ),
            max_attributes=pick(
                max_attributes,
                OTEL_EXPORTER_SPOTFNS_MAX_ATTRIBUTES,
                _DEFAULT_MAX_ATTRIBUTES,
                0,
            ),
            max_link_keys=pick(
                max_link_keys,
                OTEL_EXPORTER_SPOTFNS_MAX_LINK_KEYS,
                _DEFAULT_MAX_LINK_KEYS,
                1,
            ),
        )
