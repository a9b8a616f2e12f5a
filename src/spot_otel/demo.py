"""The demo: run the example applications on the local runtime and draw each chain.

``spot-otel demo`` (see :mod:`spot_otel.cli.demo`) comes here.  The work:

1. Read the app spec of every example under ``examples/`` and merge them into
   one app, so the embedded AWS, the runtime and each shared function
   (``spot_template`` is the far end of several examples) start once.
2. Run each chain in turn: one entry invocation (a direct invoke, or an HTTP
   request for the web shop), then wait until the app is idle, so every
   invocation the entry caused has finished and written its records.
3. Read the chain's causal graph from spotFns, starting at the entry's
   request id, and render it: a text tree for the terminal, and SVG, HTML
   and JSON files in the output directory.

Usage::

    from spot_otel.demo import Demo

    runs = Demo(out_dir=Path("out/demo")).run()
    for run in runs:
        print(run.text)

A chain that fails (its entry fails, it does not settle, its graph cannot
be read) is reported and the others still run; :class:`DemoError` is raised
for what stops the whole demo (no examples, a bad spec, a runtime that does
not start).
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Sequence

if TYPE_CHECKING:  # heavy imports, needed at run time only
    from spot_otel.graph.model import Graph
    from spot_otel.local import AppSpec, InvocationReport, LocalApp

_logger = logging.getLogger(__name__)

SPEC_FILE = "app.toml"
DEFAULT_OUT_DIR = Path("out") / "demo"
IDLE_TIMEOUT_S = 90.0
"""Most time one chain may take to settle after its entry invocation."""
_HTTP_TIMEOUT_S = 60.0

Progress = Callable[[str], None]


class DemoError(Exception):
    """The demo cannot run at all; the message is one line."""


class ChainFailed(Exception):
    """One chain did not run through; the message is one line.

    ``request_id`` is the entry invocation's, when it ran and failed.
    """

    def __init__(self, message: str, request_id: str | None = None) -> None:
        super().__init__(message)
        self.request_id = request_id


@dataclass(frozen=True)
class HttpEntry:
    """A chain started by an HTTP request to the app's API Gateway port."""

    method: str
    path: str
    body: Mapping[str, Any]


@dataclass(frozen=True)
class Chain:
    """One example's chain: where it lives, what it shows, how it starts.

    ``entry`` is the function the chain starts at; it is invoked directly
    with ``event``, or reached through ``http`` when that is given.
    ``outcome`` reads what the chain produced, given the app and the entry's
    answer, as one line.
    """

    name: str
    title: str
    entry: str
    event: Mapping[str, Any] = field(default_factory=dict)
    http: HttpEntry | None = None
    outcome: Callable[[LocalApp, Any], str] | None = None


def _priced_order(app: LocalApp, answer: Any) -> str:
    """The web shop's order as the pricing function saved it."""
    order_id = str(answer["order_id"])
    table = app.spec.functions["shop_pricing"].env["ORDERS_TABLE"]
    item = app.client("dynamodb").get_item(
        TableName=table, Key={"order_id": {"S": order_id}}
    ).get("Item")
    if item is None:
        raise ChainFailed(f"order {order_id} never reached table {table}")
    return f"order {order_id}: total {item['total']['N']}, {item['status']['S']}"


def _word_counts(app: LocalApp, answer: Any) -> str:
    """The word count's result object, summed up."""
    url = str(answer["result"])
    bucket, _, key = url.removeprefix("s3://").partition("/")
    s3 = app.client("s3")
    try:
        counts = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    except s3.exceptions.NoSuchKey:
        raise ChainFailed(f"the word count left no result at {url}") from None
    ranked = sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))
    top = ", ".join(f"{word} x{count}" for word, count in ranked[:5])
    return (
        f"{url}: {sum(counts.values())} words, {len(counts)} distinct; "
        f"most frequent: {top}"
    )


CHAINS: tuple[Chain, ...] = (
    Chain(
        "spot_template",
        "a function that invokes the next one named in its event",
        entry="spot_template",
        event={"next": ["spot_template", "spot_template"]},
    ),
    Chain(
        "fn_invoker",
        "three synchronous invokes of one function",
        entry="fn_invoker",
        event={"target": "spot_template", "count": 3, "mode": "sync"},
    ),
    Chain(
        "db_mod",
        "a DynamoDB write whose stream starts the next function",
        entry="db_mod",
    ),
    Chain(
        "s3_mod",
        "an S3 write whose notification starts the next function",
        entry="s3_mod",
        event={"name": "hello.txt", "text": "hello from the demo\n"},
    ),
    Chain(
        "sns",
        "an SNS message delivered to a subscriber",
        entry="sns_publisher",
        event={"message": "hello from the demo"},
    ),
    Chain(
        "webapp",
        "a web shop order: HTTP -> SNS -> S3 -> invoke -> DynamoDB -> stream",
        entry="shop_front",
        http=HttpEntry(
            "POST",
            "/orders",
            {"items": [{"sku": "bread", "qty": 2}, {"sku": "milk", "qty": 1}]},
        ),
        outcome=_priced_order,
    ),
    Chain(
        "wordcount",
        "a map-reduce word count: async fan-out, S3 fan-in, fan-out again",
        entry="wc_driver",
        event={"reducers": 2},
        outcome=_word_counts,
    ),
)
"""Every chain the demo runs, in order."""


@dataclass
class ChainRun:
    """What running one chain gave."""

    chain: Chain
    seconds: float
    request_ids: list[str] = field(default_factory=list)
    """Every invocation that ran for the chain, the entry's first."""
    graph: Graph | None = None
    text: str = ""
    outcome: str = ""
    """What the chain produced, in one line (empty when it has no outcome)."""
    files: list[Path] = field(default_factory=list)
    error: str | None = None
    missing: list[str] = field(default_factory=list)
    """Request ids that ran but are not in the graph."""

    @property
    def failed_functions(self) -> list[str]:
        """Functions of the graph's invocations that failed or never ended."""
        if self.graph is None:
            return []
        return [
            node.function
            for node in self.graph.invocations()
            if node.failed or not node.ended
        ]

    @property
    def ok(self) -> bool:
        return self.error is None and not self.missing and not self.failed_functions


# -- Finding and merging the examples' specs -------------------------------------------


def examples_dir() -> Path:
    """The ``examples/`` directory of the source tree this package runs from."""
    return Path(__file__).resolve().parents[2] / "examples"


def select_chains(only: Sequence[str] | None) -> list[Chain]:
    """The chains named in ``only`` (all when empty), in the demo's order."""
    if not only:
        return list(CHAINS)

    known = {chain.name: chain for chain in CHAINS}
    unknown = [name for name in only if name not in known]
    if unknown:
        raise DemoError(
            f"no example named {', '.join(unknown)}; choose from {', '.join(known)}"
        )
    return [chain for chain in CHAINS if chain.name in only]


def load_specs(chains: Iterable[Chain], directory: Path) -> AppSpec:
    """The examples' app specs, read and merged into one app."""
    from spot_otel.local import SpecError, load_spec

    specs = []
    for chain in chains:
        path = directory / chain.name / SPEC_FILE
        if not path.is_file():
            raise DemoError(f"example {chain.name} has no app spec: {path} is missing")
        try:
            specs.append(load_spec(path))
        except SpecError as exc:
            raise DemoError(str(exc)) from None
    return merge_specs(specs)


def merge_specs(specs: Sequence[AppSpec]) -> AppSpec:
    """One app holding every function and resource of ``specs``.

    A function or resource declared in several specs must be declared the
    same way in each; a function's triggers are the union of all of them
    (``spot_template`` is the consumer of several examples).  The app
    settings must agree too.
    """
    from spot_otel.local import AppSpec

    if not specs:
        raise DemoError("no app spec to run")

    first = specs[0]
    functions: dict[str, Any] = {}
    tables: dict[str, Any] = {}
    queues: dict[str, Any] = {}
    for spec in specs:
        if spec.settings != first.settings:
            raise DemoError(
                f"{spec.source} and {first.source} differ in their [app] settings"
            )
        for name, function in spec.functions.items():
            functions[name] = _merged_function(functions.get(name), function, spec.source)
        _merge_resources(tables, spec.tables, "table", spec.source)
        _merge_resources(queues, spec.queues, "queue", spec.source)

    return AppSpec(
        name="demo",
        source=", ".join(spec.source for spec in specs),
        functions=functions,
        settings=first.settings,
        tables=tables,
        buckets=_union(spec.buckets for spec in specs),
        topics=_union(spec.topics for spec in specs),
        queues=queues,
        buses=_union(spec.buses for spec in specs),
    )


def _merged_function(existing: Any, function: Any, source: str) -> Any:
    if existing is None:
        return function
    if replace(existing, triggers=()) != replace(function, triggers=()):
        raise DemoError(
            f"{source}: function {function.name} is declared differently in "
            "another example (only its triggers may differ)"
        )
    triggers = existing.triggers + tuple(
        trigger for trigger in function.triggers if trigger not in existing.triggers
    )
    return replace(existing, triggers=triggers)


def _merge_resources(
    merged: dict[str, Any], declared: Mapping[str, Any], kind: str, source: str
) -> None:
    for name, resource in declared.items():
        if name in merged and merged[name] != resource:
            raise DemoError(
                f"{source}: {kind} {name} is declared differently in another example"
            )
        merged[name] = resource


def _union(groups: Iterable[tuple[str, ...]]) -> tuple[str, ...]:
    names: dict[str, None] = {}
    for group in groups:
        names.update(dict.fromkeys(group))
    return tuple(names)


# -- Running the chains ------------------------------------------------------------------


class _Invocations:
    """Request ids of finished invocations, as the runtime reports them.

    Chains run one at a time, each until the app is idle, so what is reported
    between two :meth:`take` calls belongs to one chain, but for a report
    that lands just after the app went idle: the runtime reports an
    invocation right after its caller has been answered.  Such a late report
    belongs to the chain before, so the demo drops reports of request ids an
    earlier chain already accounted for.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reports: list[InvocationReport] = []

    def __call__(self, report: InvocationReport) -> None:
        with self._lock:
            self._reports.append(report)

    def take(self) -> list[InvocationReport]:
        with self._lock:
            reports, self._reports = self._reports, []
        return reports


class Demo:
    """Runs the chosen chains on one local app and draws them.

    ``progress`` gets one line per step; ``on_chain`` gets each chain's run
    as soon as it is drawn.  ``ascii`` draws the text trees in plain ASCII.
    """

    def __init__(
        self,
        *,
        out_dir: Path = DEFAULT_OUT_DIR,
        only: Sequence[str] | None = None,
        examples: Path | None = None,
        progress: Progress | None = None,
        on_chain: Callable[[ChainRun], None] | None = None,
        log_stream: Any = None,
        ascii: bool = False,
        idle_timeout: float = IDLE_TIMEOUT_S,
    ) -> None:
        self.out_dir = out_dir
        self.chains = select_chains(only)
        self.examples = examples or examples_dir()
        self.idle_timeout = idle_timeout
        self.ascii = ascii
        self._progress = progress or (lambda line: None)
        self._on_chain = on_chain or (lambda run: None)
        self._log_stream = log_stream
        self._invocations = _Invocations()
        self._earlier: set[str] = set()
        """Request ids of the chains run so far."""
        self._svg = True

    def run(self) -> list[ChainRun]:
        """Run every chosen chain; the app is closed again whatever happens."""
        from spot_otel.local import LocalApp, LocalRuntimeError

        if not self.examples.is_dir():
            raise DemoError(
                f"the examples are not here: {self.examples} is missing "
                "(run from a clone of spot-otel, or name them with --examples DIR)"
            )
        spec = load_specs(self.chains, self.examples)
        try:
            self.out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            reason = exc.strerror or exc
            raise DemoError(f"cannot make {self.out_dir}: {reason}") from None

        self._progress(
            f"starting the embedded AWS and the local runtime "
            f"({len(spec.functions)} functions)"
        )
        app = LocalApp(spec, log_stream=self._log_stream, on_invocation=self._invocations)
        try:
            app.start()
        except LocalRuntimeError as exc:
            raise DemoError(f"the local runtime did not start: {exc}") from None

        runs = []
        try:
            for chain in self.chains:
                runs.append(self._run_chain(app, chain))
                self._on_chain(runs[-1])
            return runs
        finally:
            self._progress("stopping the local runtime")
            app.close()

    def _run_chain(self, app: LocalApp, chain: Chain) -> ChainRun:
        from spot_otel.graph import render

        started = time.monotonic()
        self._invocations.take()
        run = ChainRun(chain, seconds=0.0)
        try:
            entry_id, answer = self._start(app, chain)
            self._progress(f"{chain.name}: waiting for the chain to finish")
            try:
                app.wait_idle(timeout=self.idle_timeout)
            except TimeoutError as exc:
                raise ChainFailed(str(exc)) from None
            reports = [
                report
                for report in self._invocations.take()
                if report.request_id not in self._earlier
            ]
            entry_id = entry_id or _entry_of(chain, reports)
            run.request_ids = _ordered_ids(entry_id, reports)
            self._progress(
                f"{chain.name}: {len(run.request_ids)} invocation(s); "
                "reading the graph from spotFns"
            )
            run.graph = self._graph(app, entry_id)
            run.missing = _missing(run.graph, run.request_ids)
            run.text = render(run.graph, "text", ascii=self.ascii)
            run.files = self._write_pictures(chain, run.graph)
            run.outcome = _outcome_of(chain, app, answer)
        except ChainFailed as exc:
            run.error = str(exc)
            if exc.request_id and not run.request_ids:
                run.request_ids = [exc.request_id]
        except Exception as exc:  # noqa: BLE001 - one line for the user; details at debug
            _logger.debug("chain %s failed", chain.name, exc_info=True)
            run.error = f"{type(exc).__name__}: {exc}"
        if run.error is not None:
            self._settle(app)
        self._earlier.update(run.request_ids)
        if run.graph is not None:
            self._earlier.update(
                node.request_id for node in run.graph.nodes.values() if node.request_id
            )
        run.seconds = time.monotonic() - started
        self._progress(self._verdict(run))
        return run

    def _settle(self, app: LocalApp) -> None:
        """After a failed chain, let what it started finish, so that the next
        chain's invocations are its own."""
        try:
            app.wait_idle(timeout=self.idle_timeout)
        except TimeoutError:
            _logger.debug("the app did not settle after a failed chain")

    def _start(self, app: LocalApp, chain: Chain) -> tuple[str | None, Any]:
        """Start the chain.  Returns the entry invocation's request id when
        the answer carries it (a direct invoke), and the answer."""
        from spot_otel.local import InvokeError

        if chain.http is not None:
            self._progress(
                f"{chain.name}: {chain.http.method} {chain.http.path} -> {chain.entry}"
            )
            return None, _send_http(app, chain.http)

        self._progress(f"{chain.name}: invoking {chain.entry}")
        try:
            result = app.invoke(chain.entry, dict(chain.event))
        except InvokeError as exc:
            raise ChainFailed(f"invoking {chain.entry} was refused: {exc}") from None
        if not result.ok:
            raise ChainFailed(
                f"{chain.entry} failed: {_error_text(result.payload)}", result.request_id
            )
        return result.request_id, result.json()

    def _graph(self, app: LocalApp, request_id: str) -> Graph:
        from spot_otel.graph import GraphError, TableSource, load_request

        source = TableSource(
            app.spec.settings.spotfns_table, client=app.client("dynamodb")
        )
        try:
            return load_request(source, request_id=request_id)
        except GraphError as exc:
            raise ChainFailed(f"cannot draw the graph: {exc}") from None

    def _write_pictures(self, chain: Chain, graph: Graph) -> list[Path]:
        from spot_otel.graph import GraphError, GraphvizMissing, render

        formats = ["svg", "html", "json"] if self._svg else ["html", "json"]
        written = []
        for format_name in formats:
            path = self.out_dir / f"{chain.name}.{format_name}"
            try:
                path.write_text(render(graph, format_name), encoding="utf-8")
            except GraphvizMissing:
                self._svg = False
                self._progress("Graphviz's dot is not installed: no SVG pictures")
                continue
            except GraphError as exc:
                raise ChainFailed(f"cannot render {format_name}: {exc}") from None
            except OSError as exc:
                raise ChainFailed(f"cannot write {path}: {exc.strerror or exc}") from None
            written.append(path)
        return written

    def _verdict(self, run: ChainRun) -> str:
        name = run.chain.name
        if run.error is not None:
            return f"{name}: FAILED after {run.seconds:.1f} s: {run.error}"
        problems = []
        if run.missing:
            problems.append(
                f"{len(run.missing)} invocation(s) ran but are missing from the "
                f"graph: {', '.join(run.missing)}"
            )
        if run.failed_functions:
            problems.append(
                "failed or never ended: " + ", ".join(sorted(run.failed_functions))
            )
        if problems:
            return f"{name}: done in {run.seconds:.1f} s, but " + "; ".join(problems)
        return f"{name}: done in {run.seconds:.1f} s"


def _outcome_of(chain: Chain, app: LocalApp, answer: Any) -> str:
    if chain.outcome is None:
        return ""
    try:
        return chain.outcome(app, answer)
    except ChainFailed:
        raise
    except Exception as exc:  # noqa: BLE001 - one line for the user
        raise ChainFailed(f"cannot read what the chain produced: {exc}") from None


def _entry_of(chain: Chain, reports: Sequence[InvocationReport]) -> str:
    """The request id of the entry function's invocation.

    An HTTP answer does not carry the Lambda request id; the runtime's report
    does.  The entry function runs once per chain.
    """
    for report in reports:
        if report.function == chain.entry:
            return report.request_id
    raise ChainFailed(f"the request never reached {chain.entry}")


def _ordered_ids(entry_id: str, reports: Sequence[InvocationReport]) -> list[str]:
    """Distinct request ids, the entry's first (retries share an id)."""
    ids = dict.fromkeys([entry_id, *(report.request_id for report in reports)])
    return list(ids)


def _missing(graph: Graph, request_ids: Sequence[str]) -> list[str]:
    drawn = {node.request_id for node in graph.nodes.values()}
    return [request_id for request_id in request_ids if request_id not in drawn]


def _send_http(app: LocalApp, entry: HttpEntry) -> Any:
    """Send the request to the app's HTTP port; the answer's JSON body.  A
    non-2xx answer fails the chain."""
    if app.http_url is None:
        raise ChainFailed("the app has no HTTP routes")

    request = urllib.request.Request(
        app.http_url.rstrip("/") + entry.path,
        data=json.dumps(entry.body).encode("utf-8"),
        method=entry.method,
        headers={"content-type": "application/json"},
    )
    # Straight to loopback, whatever proxy the environment names.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=_HTTP_TIMEOUT_S) as response:
            return json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        raise ChainFailed(
            f"{entry.method} {entry.path} answered {exc.code}: "
            f"{_error_text(exc.read())}"
        ) from None
    except (urllib.error.URLError, OSError) as exc:
        raise ChainFailed(f"{entry.method} {entry.path} failed: {exc}") from None
    except ValueError:
        raise ChainFailed(f"{entry.method} {entry.path} did not answer JSON") from None


def _error_text(payload: bytes) -> str:
    """The one-line error a failed invocation returned."""
    try:
        error = json.loads(payload)
    except ValueError:
        error = None
    if isinstance(error, dict):
        kind = error.get("errorType")
        message = error.get("errorMessage") or error.get("message") or error
        text = f"{kind}: {message}" if kind else str(message)
    else:
        text = payload.decode("utf-8", "replace")
    flat = " ".join(text.split())
    return flat if len(flat) <= 300 else flat[:297] + "..."
