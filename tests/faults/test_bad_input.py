"""Fault family 3: hostile input through the instrumented handler and Invoke.

Trigger readers already have property tests of their own
(``tests/triggers/test_malformed.py``); here the same mutated real events,
plus strings chosen to hurt (lone surrogates, NULs, huge unicode) and
10,000-record batches, go through the whole path a function runs: the
SpotInstrumentor-wrapped handler and the real sink writing to moto.  The
handler must receive the very object the runtime passed, unchanged, no
exception of ours may reach it, and every record must land.

Invoke payloads of every kind (not JSON, JSON arrays, strings and numbers,
objects, bytes, bytearrays, files, up to 6 MB) go through the botocore
wrapper and the Lambda extension to a loopback Invoke API that keeps what
arrived.  The oracle is the same call made with instrumentation suppressed:
the traced call fails exactly when it fails, and its payload is byte for
byte the same unless the payload is a JSON object, which then differs by
the one spliced-in ``_spot_otel`` member and nothing else.
"""

from __future__ import annotations

import copy
import io
import json
import time
from typing import Any, Callable, Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from opentelemetry.instrumentation.utils import suppress_instrumentation

from spot_otel import inband
from tests.conftest import load_event
from tests.extensions.lambda_api import LambdaApi, Received
from tests.faults.apps import handlers
from tests.faults.conftest import record_figure
from tests.faults.harness import Call, TracedFunction
from tests.triggers.test_malformed import (
    CLIENT_CONTEXTS,
    SAMPLES,
    _big_batch,
    _ddb,
    _kinesis,
    _paths,
    _s3,
    _sns,
    _sqs,
    mutated_events,
)

HOSTILE = (
    "\ud800",
    "id-\udfff-tail",
    "\udc80" * 64,
    "\x00\x00\x00",
    "\u202eevil\u202c",
    "🙂" * 20_000,
    "é" * 300_000,
)
"""Strings JSON can carry into an event that hurt downstream: lone
surrogates (valid JSON escapes, not encodable as UTF-8), NULs, bidi
controls, long multi-byte text."""


@st.composite
def hostile_events(draw: st.DrawFn) -> Any:
    """A real sample event with one to three string values (ids included)
    replaced by hostile strings."""
    event = load_event(draw(st.sampled_from(SAMPLES)))
    strings = [path for path in _paths(event) if path and type(_at(event, path)) is str]
    for path in draw(st.lists(st.sampled_from(strings), min_size=1, max_size=3)):
        parent = _at(event, path[:-1])
        parent[path[-1]] = draw(st.sampled_from(HOSTILE))
    return event


def _at(value: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        value = value[step]
    return value


@pytest.fixture
def echo(aws: Any) -> Iterator[TracedFunction]:
    with TracedFunction("handlers.echo") as function:
        yield function


def assert_recorded(aws: Any, function: TracedFunction, call: Call) -> None:
    """The invocation's entry and exit are in the table; nothing dropped."""
    entry, exit_ = function.entry_and_exit(aws, call)
    assert entry is not None and exit_ is not None
    assert function.processor.stats.dropped == 0


def assert_passed_through(call: Call, event: Any, before: Any, seen: int) -> None:
    """The handler got the runtime's object, once, unchanged, and its
    return value came back as it was."""
    assert call.error is None
    assert len(handlers.SEEN) == seen + 1
    assert handlers.SEEN[-1] is event
    assert call.result is event
    assert event == before


@settings(
    max_examples=100,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    event=st.one_of(mutated_events(), hostile_events()),
    custom=CLIENT_CONTEXTS,
)
def test_hostile_events_reach_the_handler_unchanged_and_are_recorded(
    aws: Any, echo: TracedFunction, event: Any, custom: Any
) -> None:
    before = copy.deepcopy(event)
    seen = len(handlers.SEEN)

    call = echo.invoke(event, custom=custom)

    assert_passed_through(call, event, before, seen)
    assert_recorded(aws, echo, call)


BATCHES = {
    "sqs": ("snsSqsEvent", _sqs, 2),
    "sns": ("snsEvent", _sns, 1),
    "s3": ("s3Event", _s3, 2),
    "dynamodb": ("dynamoStreamEvent", _ddb, 1),
    "kinesis": ("kinesisStreamEvent", _kinesis, 1),
}


@pytest.mark.parametrize("shape", list(BATCHES))
def test_ten_thousand_record_batches_through_the_handler(
    aws: Any, echo: TracedFunction, shape: str
) -> None:
    sample, vary, links_per_record = BATCHES[shape]
    event = _big_batch(sample, vary)
    before = copy.deepcopy(event)
    seen = len(handlers.SEEN)

    call = echo.invoke(event)

    assert_passed_through(call, event, before, seen)
    assert_recorded(aws, echo, call)
    # Entry, its link records up to the cap, exit; the keys past the cap
    # are counted, not silently lost.
    stats = echo.processor.stats
    keys = 10_000 * links_per_record + 1  # and the direct-invoke key
    cap = echo.processor.config.max_link_keys
    assert stats.written == 1 + (cap - 1) + 1
    assert stats.dropped_link_keys == keys - cap
    record_figure(
        f"10,000-record {shape} batch: handler+flush {call.elapsed_s * 1000:.0f} ms, "
        f"{stats.written} records, {stats.dropped_link_keys} link keys past the "
        f"cap of {cap} counted"
    )


# -- Invoke payloads ---------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


@st.composite
def json_texts(draw: st.DrawFn) -> str:
    """A JSON document as a person or a library might write it."""
    value = draw(
        st.one_of(
            JSON_VALUES,
            st.dictionaries(st.text(max_size=8), JSON_VALUES, max_size=5),
            st.just({inband.PAYLOAD_KEY: {"mine": 1}, "a": 2}),
        )
    )
    text = json.dumps(
        value,
        ensure_ascii=draw(st.booleans()),
        indent=draw(st.none() | st.integers(0, 3)),
        separators=draw(st.sampled_from([None, (",", ":"), (" , ", " : ")])),
    )
    padding = st.text(alphabet=" \t\r\n", max_size=3)
    return draw(padding) + text + draw(padding)


@st.composite
def payloads(draw: st.DrawFn) -> tuple[str, bytes | str]:
    """(kind, content): how the caller hands the payload to boto3."""
    content: bytes | str = draw(
        st.one_of(
            json_texts(),
            json_texts().map(lambda text: text.encode("utf-8")),
            json_texts().map(lambda text: b"\xef\xbb\xbf" + text.encode("utf-8")),
            json_texts().map(lambda text: text.encode("utf-8") + b" trailing"),
            st.just(b'{"name": "\xff\xfe"}'),
            st.binary(max_size=300),
        )
    )
    if isinstance(content, str):
        return "str", content
    return draw(st.sampled_from(["bytes", "bytearray", "file"])), content


def materialize(kind: str, content: bytes | str) -> Any:
    """A fresh payload object of ``kind`` (a file is read by the call)."""
    if kind == "bytearray":
        return bytearray(content)  # type: ignore[arg-type]
    if kind == "file":
        return io.BytesIO(content)  # type: ignore[arg-type]
    return content


@pytest.fixture(scope="module")
def lambda_api() -> Iterator[LambdaApi]:
    with LambdaApi() as api:
        yield api


@pytest.fixture
def invoker(
    aws: Any, lambda_api: LambdaApi, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., tuple[Call, Call, Received | None, Received | None]]]:
    """Makes one Invoke untraced and the same Invoke from inside a traced
    invocation; returns both calls and what reached the Invoke API."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_LAMBDA", lambda_api.endpoint)
    client = handlers.client("lambda", lambda_api.endpoint)

    with TracedFunction("handlers.invokes") as function:

        def both(kind: str, content: bytes | str, invocation_type: str) -> Any:
            def params() -> dict[str, Any]:
                return {
                    "FunctionName": "callee",
                    "InvocationType": invocation_type,
                    "Payload": materialize(kind, content),
                }

            arrived = len(lambda_api.received)
            with suppress_instrumentation():
                plain = _timed(lambda: client.invoke(**params()))
            untraced = _newest(lambda_api, arrived)

            arrived = len(lambda_api.received)
            traced_call = function.invoke({"params": params()})
            return plain, traced_call, untraced, _newest(lambda_api, arrived)

        yield both


def _newest(api: LambdaApi, before: int) -> Received | None:
    """The request that arrived after the first ``before``, if one did."""
    return api.received[-1] if len(api.received) > before else None


def _timed(action: Callable[[], Any]) -> Call:
    started = time.perf_counter()
    try:
        result, error = action(), None
    except Exception as exc:  # noqa: BLE001 - compared with the traced call
        result, error = None, exc
    return Call("untraced", result, error, time.perf_counter() - started)


def spliced_member(received: bytes) -> bytes:
    """The ``"_spot_otel":{...}`` member as the extension writes it, read
    back from a payload that carries it."""
    carrier = json.loads(received)[inband.PAYLOAD_KEY]
    return (
        json.dumps(inband.PAYLOAD_KEY).encode()
        + b":"
        + json.dumps(carrier, separators=(",", ":")).encode()
    )


def is_json_object(payload: bytes) -> bool:
    try:
        document = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return False
    return isinstance(document, dict) and inband.PAYLOAD_KEY not in document


SYNC, ASYNC = "RequestResponse", "Event"
LIMITS = {SYNC: 6 * 1024 * 1024, ASYNC: 256 * 1024}
MEMBER_BYTES = 200
"""More than the ``_spot_otel`` member takes (about 130 bytes)."""


def assert_kept_or_only_the_member_added(
    kind: str,
    invocation_type: str,
    plain: Call,
    traced: Call,
    untraced_received: Received | None,
    traced_received: Received | None,
) -> None:
    """The traced Invoke is the untraced one, but for the ``_spot_otel``
    member spliced into a JSON-object payload that has room for it."""
    # Instrumentation adds no failure and hides none.
    assert type(traced.error) is type(plain.error)
    if plain.error is not None:
        return
    assert traced.result == {"status": plain.result["StatusCode"]}
    assert untraced_received is not None and traced_received is not None
    original, sent = untraced_received.payload, traced_received.payload
    limit = LIMITS[invocation_type]

    # A file is never read by the extension (that would consume the caller's
    # stream); an object too near the size limit is left alone.
    injectable = (
        kind != "file"
        and is_json_object(original)
        and len(original) + MEMBER_BYTES <= limit
    )
    if sent == original:
        assert not injectable
        return

    assert kind != "file" and is_json_object(original)
    member = spliced_member(sent)
    brace = original.index(b"{") + 1
    separator = b"," if json.loads(original) else b""
    assert sent == original[:brace] + member + separator + original[brace:]
    assert len(sent) <= limit
    carrier = json.loads(sent)[inband.PAYLOAD_KEY]
    assert carrier[inband.TRACEPARENT].startswith("00-")
    assert carrier[inband.CALLER]


@settings(
    max_examples=100,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    payload=payloads(),
    invocation_type=st.sampled_from([SYNC, ASYNC]),
)
def test_invoke_payloads_stay_byte_for_byte_unless_a_json_object(
    invoker: Callable[..., Any], payload: tuple[str, bytes | str], invocation_type: str
) -> None:
    kind, content = payload

    assert_kept_or_only_the_member_added(
        kind, invocation_type, *invoker(kind, content, invocation_type)
    )


def test_a_str_payload_botocore_cannot_encode_fails_as_it_would_untraced(
    invoker: Callable[..., Any],
) -> None:
    plain, traced, _, arrived = invoker("str", '{"a": "\ud800"}', ASYNC)

    assert type(plain.error) is UnicodeEncodeError
    assert type(traced.error) is UnicodeEncodeError
    assert arrived is None


MIB = 1024 * 1024


def _object_of(size: int) -> bytes:
    """A JSON object of exactly ``size`` bytes."""
    head = b'{"data": "'
    return head + b"x" * (size - len(head) - 2) + b'"}'


@pytest.mark.parametrize(
    ("payload", "invocation_type", "injected"),
    [
        pytest.param(_object_of(5 * MIB), SYNC, True, id="5 MiB object"),
        pytest.param(_object_of(6 * MIB - 40), SYNC, False, id="6 MiB object"),
        pytest.param(b"[" + b"1," * (3 * MIB - 1) + b"1]", SYNC, False, id="6 MiB array"),
        pytest.param(_object_of(200 * 1024), ASYNC, True, id="200 KiB async object"),
        pytest.param(_object_of(256 * 1024 - 40), ASYNC, False, id="256 KiB async object"),
    ],
)
def test_payloads_near_the_size_limits(
    invoker: Callable[..., Any], payload: bytes, invocation_type: str, injected: bool
) -> None:
    plain, traced, untraced_received, traced_received = invoker(
        "bytes", payload, invocation_type
    )

    assert_kept_or_only_the_member_added(
        "bytes", invocation_type, plain, traced, untraced_received, traced_received
    )
    assert (traced_received.payload != payload) is injected
