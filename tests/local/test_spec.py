"""App specs: a valid file becomes an app; a malformed one names the file,
the place and the problem, and nothing starts."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest

from spot_otel.local import (
    LocalApp,
    LocalRuntimeError,
    SpecError,
    load_spec,
    processes,
    read_spec,
)
from spot_otel.local.spec import BucketTrigger, HttpTrigger, QueueTrigger, StreamTrigger
from tests.local.conftest import APPS, function, start_app, wait_for

GOOD = """
buckets = ["uploads"]

[app]
name = "orders"
region = "eu-west-1"
env = { STAGE = "local" }

[functions.db_mod]
handler = "basic.count"
code = "src"
timeout = 5
memory = 512
concurrency = 2
exec_wrapper = false
env = { STAGE = "test", TABLE = "orders" }

[[functions.db_mod.triggers]]
type = "dynamodb"
table = "orders"
batch_size = 25
batch_window = 0.5

[[functions.db_mod.triggers]]
type = "s3"
bucket = "uploads"
prefix = "in/"

[[functions.db_mod.triggers]]
type = "sqs"
queue = "work"

[[functions.db_mod.triggers]]
type = "http"
path = "/orders/{id}"
method = "get"
version = "v1"

[tables.orders]
key = ["pk", "sk"]
types = { sk = "N" }
stream = "NEW_IMAGE"

[queues.work]
visibility_timeout = 5
"""


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "src").mkdir(exist_ok=True)
    path = tmp_path / "app.toml"
    path.write_text(text)
    return path


def problems_of(data: dict, tmp_path: Path) -> list[tuple[str, str]]:
    with pytest.raises(SpecError) as raised:
        read_spec(data, base_dir=tmp_path)
    return raised.value.problems


def test_a_valid_spec_file_is_read_with_paths_from_its_directory(
    tmp_path: Path,
) -> None:
    spec = load_spec(write(tmp_path, GOOD))

    assert (spec.name, spec.settings.region) == ("orders", "eu-west-1")
    fn = spec.functions["db_mod"]
    assert fn.code == (tmp_path / "src").resolve()
    assert (fn.timeout, fn.memory, fn.concurrency, fn.exec_wrapper) == (
        5.0,
        512,
        2,
        None,
    )
    assert fn.env == {"STAGE": "test", "TABLE": "orders"}
    assert fn.triggers == (
        StreamTrigger(table="orders", batch_size=25, batch_window=0.5),
        BucketTrigger(bucket="uploads", prefix="in/"),
        QueueTrigger(queue="work"),
        HttpTrigger(path="/orders/{id}", method="GET", version="v1"),
    )
    assert spec.tables["orders"].key == ("pk", "sk")
    assert spec.queues["work"].visibility_timeout == 5


def test_a_toml_syntax_error_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "[functions.f\nhandler = 1\n")

    with pytest.raises(SpecError) as raised:
        load_spec(path)

    assert str(raised.value).startswith(f"{path}: not valid TOML")


def test_a_bad_value_is_reported_at_its_place(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("\ntimeout = 5", '\ntimeout = "fast"'))

    with pytest.raises(SpecError) as raised:
        load_spec(path)

    assert str(raised.value) == (
        f"{path}: functions.db_mod.timeout: must be a number above 0 and at most 900 "
        "(got 'fast')"
    )


@pytest.mark.parametrize(
    ("change", "place", "words"),
    [
        ({"timout": 3}, "functions.f.timout", "unknown setting"),
        ({"handler": "nodot"}, "functions.f.handler", "MODULE.FUNCTION"),
        ({"memory": 64}, "functions.f.memory", "from 128 to 10240"),
        ({"code": "missing-dir"}, "functions.f.code", "no such directory"),
        (
            {"exec_wrapper": "no/such/wrapper"},
            "functions.f.exec_wrapper",
            "no such file",
        ),
        (
            {"triggers": [{"type": "sqs", "queue": "nope"}]},
            "functions.f.triggers[0].queue",
            "no queue named 'nope'",
        ),
        (
            {"triggers": [{"type": "dynamodb", "table": "plain"}]},
            "functions.f.triggers[0].table",
            "has no stream",
        ),
        (
            {"triggers": [{"type": "kinesis"}]},
            "functions.f.triggers[0].type",
            "must be one of",
        ),
        (
            {"triggers": [{"type": "sqs", "queue": "q", "batch_size": 0}]},
            "functions.f.triggers[0].batch_size",
            "from 1 to 10000",
        ),
        (
            {"triggers": [{"type": "eventbridge"}]},
            "functions.f.triggers[0].pattern",
            "required",
        ),
    ],
)
def test_each_malformed_function_setting_is_named(
    tmp_path: Path, change: dict, place: str, words: str
) -> None:
    data = {
        "tables": {"plain": {"key": ["pk"]}},
        "queues": ["q"],
        "functions": {"f": {"handler": "basic.count", "exec_wrapper": False, **change}},
    }

    problems = problems_of(data, tmp_path)

    assert [p for p, _ in problems] == [place]
    assert words in problems[0][1]


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    data = {
        "app": {"poll_interval": 0},
        "functions": {
            "a": {
                "handler": "x.y",
                "exec_wrapper": False,
                "triggers": [{"type": "http", "path": "/same"}],
            },
            "b": {
                "handler": "x.y",
                "exec_wrapper": False,
                "timeout": 0,
                "triggers": [{"type": "http", "path": "/same"}],
            },
            "bad name!": {"handler": "x.y", "exec_wrapper": False},
        },
        "extra": {},
    }

    with pytest.raises(SpecError) as raised:
        read_spec(data, base_dir=tmp_path, source="app.toml")

    places = [place for place, _ in raised.value.problems]
    assert places == [
        "app.poll_interval",
        "functions.b.timeout",
        "functions.bad name!",
        "functions.b.triggers[0]",
        "extra",
    ]
    assert str(raised.value).endswith("(and 4 more problems)")
    assert raised.value.describe().count("app.toml: ") == 5


def test_a_malformed_spec_starts_nothing(tmp_path: Path) -> None:
    threads = {thread.name for thread in threading.enumerate()}
    path = write(tmp_path, GOOD.replace('queue = "work"', 'queue = "missing"'))

    with pytest.raises(SpecError, match=r"triggers\[2\]\.queue"):
        LocalApp.from_spec(path)

    assert {thread.name for thread in threading.enumerate()} <= threads
    assert not processes.live_groups()


def test_a_spec_dict_resolves_code_against_base_dir() -> None:
    spec = read_spec(
        {
            "functions": {
                "f": {"handler": "basic.count", "code": ".", "exec_wrapper": False}
            }
        },
        base_dir=APPS,
    )

    assert spec.functions["f"].code == APPS.resolve()


def test_a_start_that_fails_half_way_stops_what_it_started() -> None:
    before = set(threading.enumerate())
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        spec = {
            "app": {"http_port": port},
            "queues": ["q"],
            "functions": {
                "web": function(
                    "recorder.reply",
                    triggers=[
                        {"type": "http", "path": "/x"},
                        {"type": "sqs", "queue": "q"},
                    ],
                ),
            },
        }

        with pytest.raises(
            LocalRuntimeError, match=f"127.0.0.1:{port}: Address already in use"
        ):
            start_app(spec)

    wait_for(
        lambda: not [t for t in set(threading.enumerate()) - before if t.is_alive()]
    )
