"""Whether records landed in the invocation that made them.

The check does not take a record's ``invocationId`` on trust.  Each SDK call
of ``apps/workers.write`` (and ``apps/handlers.pool_writes``) writes an
``orders`` item whose key names the event it served, and a call record's
out-link is a digest of that key: so each call record can be traced back to
its event, and the event to the request id its invocation reported.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from spot_otel.links import Link, ddb_item_key
from tests.faults.harness import records_of


def written_keys(n: int, threads: int = 3) -> set[str]:
    """The ``orders`` items ``apps/workers.write`` writes for event ``n``."""
    return {f"{n}-main-0", f"{n}-main-1", *(f"{n}-t{k}" for k in range(threads))}


def item_link(key: str, table: str = "orders") -> str:
    """The out-link key of a write of item ``key`` to ``table``."""
    return ddb_item_key(table, {"pk": {"S": key}})


def attribution_errors(
    items: Iterable[Mapping[str, Any]], keys_by_invocation: Mapping[str, set[str]]
) -> list[str]:
    """What is wrong with the records of the invocations given, each of which
    wrote the ``orders`` items named: every record of an invocation shares
    its entry's trace, its call records carry the out-links of exactly its
    own items, and no other invocation's records carry any of them."""
    errors: list[str] = []
    owner = {
        item_link(key): request_id
        for request_id, keys in keys_by_invocation.items()
        for key in keys
    }
    for request_id, records in records_of(items, keys_by_invocation).items():
        entries = [r for r in records if r["recordType"] == "entry"]
        if len(entries) != 1:
            errors.append(f"{request_id}: {len(entries)} entry records")
            continue
        traces = {r.get("traceId") for r in records}
        if traces != {entries[0].get("traceId")}:
            errors.append(f"{request_id}: records in traces {sorted(map(str, traces))}")
        calls = [r for r in records if r["recordType"] == "call"]
        linked = {Link.decode(text).key for r in calls for text in r.get("linksOut", [])}
        wanted = {item_link(key) for key in keys_by_invocation[request_id]}
        if linked != wanted:
            errors.append(
                f"{request_id}: {len(linked - wanted)} foreign and "
                f"{len(wanted - linked)} missing call records"
            )
        errors.extend(
            f"{request_id}: a call of {owner[key]} recorded here"
            for key in linked
            if owner.get(key, request_id) != request_id
        )
        errors.extend(
            f"{request_id}: call record {r['requestID']} has no parent span"
            for r in calls
            if not r.get("parentSpanId")
        )
    return errors
