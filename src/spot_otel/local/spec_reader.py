"""Reading and validating an app spec (TOML file or dict) into :class:`AppSpec`.

The whole spec is checked before anything starts; every problem is reported
with its place, and :class:`~spot_otel.local.spec.SpecError` carries them all.
Relative paths resolve against the spec file's directory (or ``base_dir``).

File format (TOML)::

    [app]                          # optional; every key has a default
    name = "orders"                # default: the file's stem
    region = "us-east-1"
    env = { LOG_LEVEL = "info" }   # added to every function's env
    poll_interval = 0.1            # seconds between polls of queues and streams
    async_retry_delays = [1, 2]    # seconds before async retries 1 and 2
    http_port = 0                  # HTTP trigger port on 127.0.0.1; 0 = free
    spotfns_table = "spotFns"
    create_spotfns = true

    [functions.db_mod]
    handler = "app.handler"        # MODULE.FUNCTION, required
    code = "functions/db_mod"      # default: the spec's directory
    timeout = 3                    # seconds
    memory = 128                   # MB
    concurrency = 4                # most workers at once
    exec_wrapper = true            # spot-otel's wrapper; false: none; or a path
    layer = "layer/python"         # optional; stands in for /opt/python
    init_timeout = 10              # seconds a cold start may take
    async_retries = 2              # retries of failed async invocations, 0..2
    env = { TABLE = "orders" }     # overrides [app].env and runtime defaults

    [[functions.db_mod.triggers]]
    type = "dynamodb"              # table = ..., batch_size, batch_window,
    table = "orders"               #   retries, starting_position
    # type = "sqs"                   queue, batch_size, batch_window,
    #                                report_batch_item_failures
    # type = "s3"                    bucket, events, prefix, suffix
    # type = "sns"                   topic, filter_policy
    # type = "eventbridge"           pattern, bus
    # type = "http"                  path, method, version ("v1" or "v2")

    [tables.orders]
    key = ["pk", "sk"]             # hash key, then the optional range key
    types = { sk = "N" }           # key attribute types; default S
    stream = "NEW_AND_OLD_IMAGES"  # or true; omitted: no stream

    [queues.work]
    visibility_timeout = 5

    buckets = ["uploads"]          # buckets, topics and buses: names, or
    topics = ["events"]            #   tables of names like [queues]
    buses = ["app-bus"]
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any, Callable, Mapping

from spot_otel.local import spec as s
from spot_otel.local.scripts import default_exec_wrapper
from spot_otel.local.spec_fields import Problems, Section

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - 3.10 only
    import tomli as tomllib

_FUNCTION_NAME = r"[A-Za-z0-9_-]{1,64}"
_TABLE_NAME = r"[A-Za-z0-9_.-]{3,255}"
_BUCKET_NAME = r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]"
_QUEUE_NAME = r"[A-Za-z0-9_-]{1,80}|[A-Za-z0-9_-]{1,75}\.fifo"
_TOPIC_NAME = r"[A-Za-z0-9_-]{1,256}"
_BUS_NAME = r"[A-Za-z0-9/._-]{1,256}"
_HANDLER = r"[A-Za-z0-9_./-]+\.[A-Za-z_][A-Za-z0-9_]*"
_STREAM_VIEWS = ("NEW_AND_OLD_IMAGES", "NEW_IMAGE", "OLD_IMAGE", "KEYS_ONLY")
_METHODS = ("ANY", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
_TOP_LEVEL = ("app", "functions", "tables", "buckets", "topics", "queues", "buses")


def load_spec(path: str | Path) -> s.AppSpec:
    """Read and validate the TOML app spec at ``path``."""
    path = Path(path)
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise s.SpecError(source, [("", f"cannot read the file: {exc.strerror}")])
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise s.SpecError(source, [("", f"not valid TOML: {exc}")])
    return read_spec(
        data, base_dir=path.resolve().parent, source=source, name=path.stem
    )


def read_spec(
    data: Mapping[str, Any],
    *,
    base_dir: str | Path | None = None,
    source: str = "<app spec>",
    name: str = "app",
) -> s.AppSpec:
    """Validate a spec given as a dict of the TOML shape."""
    problems: Problems = []
    reader = _SpecReader(Path(base_dir or Path.cwd()).resolve(), problems)
    spec = reader.read(data, source, name)
    if problems:
        raise s.SpecError(source, problems)
    return spec


class _SpecReader:
    def __init__(self, base_dir: Path, problems: Problems) -> None:
        self.base_dir = base_dir
        self.problems = problems

    def read(
        self, data: Mapping[str, Any], source: str, default_name: str
    ) -> s.AppSpec:
        root = Section(data, "", self.problems)
        app = root.section("app")
        name = app.text("name", default_name)
        settings = self._settings(app)
        common_env = app.text_map("env")
        app.finish()

        tables = self._tables(root.section("tables"))
        queues = self._queues(root)
        buckets = self._names(
            root, "buckets", _BUCKET_NAME, "is not a valid bucket name"
        )
        topics = self._names(root, "topics", _TOPIC_NAME, "is not a valid topic name")
        buses = self._names(root, "buses", _BUS_NAME, "is not a valid event bus name")
        resources = _Resources(tables, queues, buckets, topics, buses)

        functions_section = root.section("functions")
        functions: dict[str, s.FunctionSpec] = {}
        for fn_name in functions_section.keys():
            fn = functions_section.section(fn_name)
            if not _matches(_FUNCTION_NAME, fn_name):
                fn.problem(
                    "", "is not a valid function name (letters, digits, - and _)"
                )
            functions[fn_name] = self._function(fn_name, fn, common_env, resources)
            fn.finish()
        if not functions and not self.problems:
            root.problem("functions", "declare at least one function")
        self._check_routes(functions)

        for key in root.keys():
            if key not in _TOP_LEVEL:
                root.problem(key, "unknown section")
        return s.AppSpec(
            name=name,
            source=source,
            functions=functions,
            settings=settings,
            tables=tables,
            buckets=buckets,
            topics=topics,
            queues=queues,
            buses=buses,
        )

    # -- [app] ----------------------------------------------------------------

    def _settings(self, app: Section) -> s.Settings:
        delays = app.raw("async_retry_delays", list(s.DEFAULT_ASYNC_RETRY_DELAYS))
        if (
            not isinstance(delays, list)
            or len(delays) != 2
            or not all(
                isinstance(d, (int, float))
                and not isinstance(d, bool)
                and 0 <= d <= 900
                for d in delays
            )
        ):
            app.problem(
                "async_retry_delays", "must be two numbers of seconds, 0 to 900"
            )
            delays = list(s.DEFAULT_ASYNC_RETRY_DELAYS)
        return s.Settings(
            region=app.text(
                "region",
                s.DEFAULT_REGION,
                pattern=r"[a-z]{2}(-[a-z]+)+-\d",
                hint="is not an AWS region name",
            ),
            poll_interval=app.number(
                "poll_interval", s.DEFAULT_POLL_INTERVAL, minimum=0.01, maximum=60
            ),
            async_retry_delays=tuple(float(d) for d in delays),
            http_port=app.integer("http_port", 0, minimum=0, maximum=65535),
            spotfns_table=app.text(
                "spotfns_table",
                "spotFns",
                pattern=_TABLE_NAME,
                hint="is not a valid table name",
            ),
            create_spotfns=app.flag("create_spotfns", True),
        )

    # -- resources ------------------------------------------------------------

    def _tables(self, section: Section) -> dict[str, s.TableSpec]:
        tables: dict[str, s.TableSpec] = {}
        for name in section.keys():
            table = section.section(name)
            if not _matches(_TABLE_NAME, name):
                table.problem("", "is not a valid table name")
            key = table.texts("key", ())
            if not 1 <= len(key) <= 2:
                table.problem(
                    "key", "must name the hash key and optionally the range key"
                )
                key = key[:2] or ("pk",)
            types = table.text_map("types")
            for attribute, type_name in types.items():
                if type_name not in ("S", "N", "B"):
                    table.problem(f"types.{attribute}", "must be S, N or B")
            stream_value = table.raw("stream", None)
            stream: str | None = None
            if stream_value is True:
                stream = "NEW_AND_OLD_IMAGES"
            elif isinstance(stream_value, str) and stream_value in _STREAM_VIEWS:
                stream = stream_value
            elif stream_value not in (None, False):
                table.problem(
                    "stream",
                    f"must be true, false or one of {', '.join(_STREAM_VIEWS)}",
                )
            table.finish()
            tables[name] = s.TableSpec(name, tuple(key), types, stream)
        return tables

    def _queues(self, root: Section) -> dict[str, s.QueueSpec]:
        queues: dict[str, s.QueueSpec] = {}
        for name, section in self._named(root, "queues"):
            if not _matches(_QUEUE_NAME, name):
                section.problem("", "is not a valid queue name")
            timeout: int | None = None
            if section.has("visibility_timeout"):
                timeout = section.integer(
                    "visibility_timeout", 30, minimum=0, maximum=43200
                )
            section.finish()
            queues[name] = s.QueueSpec(name, timeout)
        return queues

    def _names(
        self, root: Section, key: str, pattern: str, hint: str
    ) -> tuple[str, ...]:
        names: list[str] = []
        for name, section in self._named(root, key):
            if not _matches(pattern, name):
                section.problem("", hint)
            section.finish()
            names.append(name)
        return tuple(names)

    def _named(self, root: Section, key: str) -> list[tuple[str, Section]]:
        """A resource list: ``["a", "b"]`` or ``{a = {...}, b = {...}}``."""
        value = root.raw(key, {})
        if isinstance(value, list):
            if not all(isinstance(item, str) for item in value):
                root.problem(key, "must be a list of names or a table of tables")
                return []
            return [
                (item, Section({}, root.at(f"{key}.{item}"), self.problems))
                for item in value
            ]
        section = root.section(key)
        return [(name, section.section(name)) for name in section.keys()]

    # -- functions ------------------------------------------------------------

    def _function(
        self,
        name: str,
        fn: Section,
        common_env: Mapping[str, str],
        resources: _Resources,
    ) -> s.FunctionSpec:
        handler = fn.text("handler", pattern=_HANDLER, hint="must be MODULE.FUNCTION")
        code = self._directory(fn, "code") or self.base_dir
        layer = self._directory(fn, "layer")
        env = {**common_env, **fn.text_map("env")}
        triggers = self._triggers(fn, resources)
        return s.FunctionSpec(
            name=name,
            handler=handler,
            code=code,
            timeout=fn.number(
                "timeout", s.DEFAULT_TIMEOUT, minimum=0, maximum=900, above_minimum=True
            ),
            memory=fn.integer("memory", s.DEFAULT_MEMORY, minimum=128, maximum=10240),
            env=env,
            concurrency=fn.integer(
                "concurrency", s.DEFAULT_CONCURRENCY, minimum=1, maximum=1000
            ),
            exec_wrapper=self._exec_wrapper(fn),
            layer=layer,
            init_timeout=fn.number(
                "init_timeout",
                s.DEFAULT_INIT_TIMEOUT,
                minimum=0,
                maximum=900,
                above_minimum=True,
            ),
            async_retries=fn.integer(
                "async_retries", s.DEFAULT_ASYNC_RETRIES, minimum=0, maximum=2
            ),
            triggers=triggers,
        )

    def _directory(self, section: Section, key: str) -> Path | None:
        """An optional directory, relative to the spec's directory."""
        if not section.has(key):
            return None
        value = section.text(key)
        if not value:
            return None
        path = (self.base_dir / value).resolve()
        if not path.is_dir():
            section.problem(key, f"no such directory: {path}")
        return path

    def _exec_wrapper(self, fn: Section) -> Path | None:
        value = fn.raw("exec_wrapper", True)
        if value is False:
            return None
        if value is True:
            wrapper = default_exec_wrapper()
            if wrapper is None:
                fn.problem(
                    "exec_wrapper",
                    "spot-otel's exec wrapper is not installed; set exec_wrapper = false "
                    "to run uninstrumented",
                )
            return wrapper
        if isinstance(value, str) and value:
            path = (self.base_dir / value).resolve()
            if not path.is_file():
                fn.problem("exec_wrapper", f"no such file: {path}")
            return path
        fn.problem("exec_wrapper", "must be true, false or the path of a script")
        return None

    # -- triggers -------------------------------------------------------------

    def _triggers(
        self, fn: Section, resources: _Resources
    ) -> tuple[s.TriggerSpec, ...]:
        value = fn.raw("triggers", [])
        if not isinstance(value, list):
            fn.problem(
                "triggers", "must be a list of tables ([[functions.NAME.triggers]])"
            )
            return ()
        triggers: list[s.TriggerSpec] = []
        for index, data in enumerate(value):
            section = Section(data, fn.at(f"triggers[{index}]"), self.problems)
            kind = section.text("type", choices=tuple(_TRIGGER_READERS))
            read = _TRIGGER_READERS.get(kind)
            if read is not None:
                trigger = read(section, resources)
                if trigger is not None:
                    triggers.append(trigger)
            section.finish()
        return tuple(triggers)

    def _check_routes(self, functions: Mapping[str, s.FunctionSpec]) -> None:
        seen: dict[tuple[str, str], str] = {}
        for fn in functions.values():
            for index, trigger in enumerate(fn.triggers):
                if not isinstance(trigger, s.HttpTrigger):
                    continue
                route = (trigger.method, trigger.path)
                if route in seen:
                    self.problems.append(
                        (
                            f"functions.{fn.name}.triggers[{index}]",
                            f"route {trigger.method} {trigger.path} is already taken by "
                            f"function {seen[route]}",
                        )
                    )
                seen.setdefault(route, fn.name)


class _Resources:
    def __init__(
        self,
        tables: Mapping[str, s.TableSpec],
        queues: Mapping[str, s.QueueSpec],
        buckets: tuple[str, ...],
        topics: tuple[str, ...],
        buses: tuple[str, ...],
    ) -> None:
        self.tables = tables
        self.queues = queues
        self.buckets = buckets
        self.topics = topics
        self.buses = buses


def _declared(section: Section, key: str, names: Any, kind: str) -> str:
    name = section.text(key)
    if name and name not in names:
        section.problem(key, f"no {kind} named {name!r} is declared in [{kind}s]")
    return name


def _batching(section: Section, default_size: int, max_size: int) -> tuple[int, float]:
    size = section.integer("batch_size", default_size, minimum=1, maximum=max_size)
    window = section.number("batch_window", 0.0, minimum=0, maximum=300)
    return size, window


def _read_stream(section: Section, resources: _Resources) -> s.TriggerSpec | None:
    table = _declared(section, "table", resources.tables, "table")
    spec = resources.tables.get(table)
    if spec is not None and spec.stream is None:
        section.problem(
            "table", f"table {table!r} has no stream; set stream in [tables.{table}]"
        )
    size, window = _batching(section, 100, 10000)
    return s.StreamTrigger(
        table=table,
        batch_size=size,
        batch_window=window,
        retries=section.integer("retries", 2, minimum=0, maximum=10000),
        starting_position=section.text(
            "starting_position", "TRIM_HORIZON", choices=("TRIM_HORIZON", "LATEST")
        ),
    )


def _read_queue(section: Section, resources: _Resources) -> s.TriggerSpec | None:
    queue = _declared(section, "queue", resources.queues, "queue")
    spec = resources.queues.get(queue)
    size, window = _batching(
        section, 10, 10 if spec is not None and spec.fifo else 10000
    )
    return s.QueueTrigger(
        queue=queue,
        batch_size=size,
        batch_window=window,
        report_batch_item_failures=section.flag("report_batch_item_failures", False),
    )


def _read_bucket(section: Section, resources: _Resources) -> s.TriggerSpec | None:
    bucket = _declared(section, "bucket", resources.buckets, "bucket")
    events = section.texts("events", ("s3:ObjectCreated:*",))
    for event in events:
        if not event.startswith("s3:"):
            section.problem(
                "events", f"{event!r} is not an S3 event name (s3:ObjectCreated:*)"
            )
    return s.BucketTrigger(
        bucket=bucket,
        events=events,
        prefix=section.string("prefix", ""),
        suffix=section.string("suffix", ""),
    )


def _read_topic(section: Section, resources: _Resources) -> s.TriggerSpec | None:
    topic = _declared(section, "topic", resources.topics, "topic")
    return s.TopicTrigger(topic=topic, filter_policy=section.table("filter_policy"))


def _read_rule(section: Section, resources: _Resources) -> s.TriggerSpec | None:
    bus = section.text("bus", "default")
    if bus != "default" and bus not in resources.buses:
        section.problem("bus", f"no bus named {bus!r} is declared in [buses]")
    pattern = section.table("pattern", required=True)
    return s.RuleTrigger(pattern=pattern or {}, bus=bus)


def _read_http(section: Section, resources: _Resources) -> s.TriggerSpec | None:
    path = section.text(
        "path", pattern=r"/[^\s?#]*", hint="must start with / (no query)"
    )
    method = section.text("method", "ANY").upper()
    if method not in _METHODS:
        section.problem("method", f"must be one of {', '.join(_METHODS)}")
    version = section.text("version", "v2", choices=("v1", "v2"))
    return s.HttpTrigger(path=path, method=method, version=version)


_TRIGGER_READERS: dict[str, Callable[[Section, _Resources], s.TriggerSpec | None]] = {
    "dynamodb": _read_stream,
    "sqs": _read_queue,
    "s3": _read_bucket,
    "sns": _read_topic,
    "eventbridge": _read_rule,
    "http": _read_http,
}


def _matches(pattern: str, value: str) -> bool:
    return re.fullmatch(pattern, value) is not None
