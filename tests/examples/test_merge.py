"""Merging the examples' app specs into the one app the demo runs."""

from __future__ import annotations

from typing import Any

import pytest

from spot_otel.demo import CHAINS, DemoError, load_specs, merge_specs, select_chains
from spot_otel.local import read_spec
from spot_otel.local.spec import BucketTrigger, StreamTrigger, TopicTrigger
from tests.examples.conftest import EXAMPLES


def test_shared_consumer_gets_the_triggers_of_every_example() -> None:
    spec = load_specs(CHAINS, EXAMPLES)

    template = spec.functions["spot_template"]
    assert sorted(type(trigger).__name__ for trigger in template.triggers) == [
        BucketTrigger.__name__,
        StreamTrigger.__name__,
        TopicTrigger.__name__,
    ]
    assert template.code == EXAMPLES / "spot_template"
    assert set(spec.buckets) == {
        "s3-mod-objects",
        "shop-orders-archive",
        "wordcount-jobs",
    }
    assert set(spec.topics) == {"sns-messages", "shop-orders"}
    assert set(spec.tables) == {"db_mod_items", "shop_orders"}


def test_every_example_spec_is_valid_on_its_own() -> None:
    for chain in CHAINS:
        spec = load_specs([chain], EXAMPLES)
        assert chain.entry in spec.functions


def test_function_declared_two_ways_is_refused(tmp_path: Any) -> None:
    first = _spec({"functions": {"f": {"handler": "a.handler", "timeout": 3}}}, tmp_path)
    second = _spec({"functions": {"f": {"handler": "a.handler", "timeout": 9}}}, tmp_path)

    with pytest.raises(DemoError, match="function f is declared differently"):
        merge_specs([first, second])


def test_table_declared_two_ways_is_refused(tmp_path: Any) -> None:
    functions = {"functions": {"f": {"handler": "a.handler"}}}
    first = _spec({**functions, "tables": {"items": {"key": ["pk"]}}}, tmp_path)
    second = _spec({**functions, "tables": {"items": {"key": ["id"]}}}, tmp_path)

    with pytest.raises(DemoError, match="table items is declared differently"):
        merge_specs([first, second])


def test_apps_with_different_settings_are_refused(tmp_path: Any) -> None:
    functions = {"functions": {"f": {"handler": "a.handler"}}}
    first = _spec(functions, tmp_path)
    second = _spec({**functions, "app": {"region": "eu-west-1"}}, tmp_path)

    with pytest.raises(DemoError, match="differ in their \\[app\\] settings"):
        merge_specs([first, second])


def test_only_keeps_the_demo_order() -> None:
    names = [chain.name for chain in select_chains(["wordcount", "db_mod"])]

    assert names == ["db_mod", "wordcount"]


def test_unknown_example_is_named() -> None:
    with pytest.raises(DemoError, match="no example named nope; choose from spot_"):
        select_chains(["nope"])


def _spec(data: dict[str, Any], base_dir: Any) -> Any:
    return read_spec({**data}, base_dir=base_dir, source=f"{len(data)}.toml")
