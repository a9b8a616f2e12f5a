"""Reading rows of the original SpotWrap and GammaRay tables.

Those rows have the twelve columns only: no trace ids, no link keys.  What a
consumer knew of its trigger is in ``caller``, ``eventSource`` and
``message``, and what can be joined from them is joined here, by exact ids,
never by guessing from names:

* a direct invoke, when ``caller`` (or a part of ``eventSource``, as in
  GammaRay's ``lib:invokeCLI:...:<request id>``) is the request id of an
  invocation in the same dump;
* any hop whose consumer ``caller`` starts with an id (an SNS MessageId, an
  S3 request id, a stream eventID) that a producer's SDK-call row also holds
  in its ``caller`` or ``message``.

Everything else cannot be joined, and the graph says so per trigger kind:
SpotWrap's writer rows hold a bucket and key, a table and item, a topic, but
not the ids a consumer sees, and matching by names (the same key is written
many times) is exactly what misattributes hops.  Such invocations show an
external source carrying what is known.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from spot_otel.graph.join import CallRef
from spot_otel.graph.model import STATUS_ERROR, STATUS_OK
from spot_otel.links import Via
from spot_otel.records import Record

_MIN_ID_LENGTH = 16
"""Shortest token taken for an id (S3 request ids are 16 characters)."""

_PLACEHOLDERS = {"", "unknown", "unset", "none"}

# How SpotWrap wrote eventSource, by trigger: (prefixes, via name).
_EVENT_SOURCES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("aws:s3", "arn:aws:s3"), Via.S3.value),
    (("aws:dynamodb", "arn:aws:dynamodb"), Via.DDB.value),
    (("aws:sns", "arn:aws:sns"), Via.SNS.value),
    (("aws:sqs", "arn:aws:sqs"), Via.SQS.value),
    (("aws:kinesis", "arn:aws:kinesis"), Via.KINESIS.value),
    (("aws:events", "aws.events"), Via.EVENTS.value),
    (("aws:APIGateway", "aws:apigateway"), Via.HTTP.value),
)

_WHY_NOT: dict[str, str] = {
    Via.S3.value: (
        "caller holds the S3 request id and sequencer, which SpotWrap's "
        "PutObject rows do not record"
    ),
    Via.DDB.value: (
        "caller holds the stream eventID and SequenceNumber; SpotWrap's "
        "write rows carry neither, nor a write time fine enough to pair"
    ),
    Via.SNS.value: (
        "caller holds the SNS MessageId, which SpotWrap's Publish rows do " "not record"
    ),
}
_WHY_NOT_DEFAULT = "no producer row holds the id in the consumer's caller"


def is_spotwrap_record(record: Record) -> bool:
    """True for a row of an original table (no OTel ids)."""
    return not record.trace_id and not record.span_id


def trigger_of(event_source: str, event_op: str) -> str:
    """The trigger kind SpotWrap's ``eventSource`` names."""
    for prefixes, via in _EVENT_SOURCES:
        if event_source.startswith(prefixes):
            return via
    if "invokeCLI" in event_source or "invokeCLI" in event_op:
        return Via.INVOKE.value
    return "unknown"


def status_of(error: str) -> str:
    """SpotWrap wrote ``SpotWrapPython`` for success and appended the
    exception (``:SpotWrap_exception:...``) or a ``:status:`` code."""
    lowered = error.lower()
    if "exception" in lowered or ":status:" in lowered:
        return STATUS_ERROR
    return STATUS_OK


def why_not_joined(trigger: str) -> str:
    """One line on why a hop of this kind cannot be joined from old rows."""
    return _WHY_NOT.get(trigger, _WHY_NOT_DEFAULT)


def is_cli_root(trigger: str, event_source: str) -> bool:
    """Invoked from outside (the CLI, a console) or from an unknown source:
    a root, with no external node drawn above it."""
    return trigger in (Via.INVOKE.value, "unknown") or event_source in _PLACEHOLDERS


@dataclass
class SpotWrapJoiner:
    """Ids found in producer rows, and the joins they allow."""

    _by_token: dict[str, CallRef] = field(default_factory=dict)

    def add_call(self, call: CallRef, record: Record) -> None:
        """Remember the ids an SDK-call row holds."""
        for text in (record.caller, record.message):
            for token in _id_tokens(text):
                self._by_token.setdefault(token, call)

    def producer_call(self, caller: str) -> CallRef | None:
        """The SDK call whose row holds the id the consumer's caller starts
        with, if any."""
        first = caller.split(":", 1)[0]
        if len(first) < _MIN_ID_LENGTH:
            return None
        return self._by_token.get(first)


def invoker_candidates(caller: str, event_source: str) -> list[str]:
    """Request ids that may name the invoking function, best first."""
    candidates = [caller] if caller not in _PLACEHOLDERS else []
    candidates.extend(
        token for token in event_source.split(":") if len(token) >= _MIN_ID_LENGTH
    )
    return candidates


def _id_tokens(text: str) -> list[str]:
    if text in _PLACEHOLDERS:
        return []
    return [token for token in text.split(":") if len(token) >= _MIN_ID_LENGTH]
