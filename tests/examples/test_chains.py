"""Each example's chain, run on the local runtime, draws exactly the expected graph.

Edges are compared as (from function, to function, via) with counts: an
edge missing, an extra one, or one counted twice all fail.  The graphs are
the ones ``spot-otel demo`` wrote (see ``conftest.py``).
"""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal

import pytest

from tests.examples.conftest import (
    EXAMPLES,
    DemoRun,
    edges_by_function,
    invocations_by_function,
)

EXPECTED_EDGES: dict[str, Counter[tuple[str, str, str]]] = {
    "spot_template": Counter({("spot_template", "spot_template", "invoke"): 2}),
    "fn_invoker": Counter({("fn_invoker", "spot_template", "invoke"): 3}),
    "db_mod": Counter({("db_mod", "spot_template", "ddb"): 1}),
    "s3_mod": Counter({("s3_mod", "spot_template", "s3"): 1}),
    "sns": Counter({("sns_publisher", "spot_template", "sns"): 1}),
    "webapp": Counter({
        ("external:aws:apigateway", "shop_front", "http"): 1,
        ("shop_front", "shop_archive", "sns"): 1,
        ("shop_archive", "shop_checkout", "s3"): 1,
        ("shop_checkout", "shop_pricing", "invoke"): 1,
        ("shop_pricing", "shop_notify", "ddb"): 1,
    }),
    "wordcount": Counter({
        ("wc_driver", "wc_mapper", "invoke"): 3,
        ("wc_mapper", "wc_coordinator", "s3"): 3,
        ("wc_coordinator", "wc_reducer", "invoke"): 2,
        ("wc_reducer", "wc_coordinator", "s3"): 2,
    }),
}

EXPECTED_INVOCATIONS: dict[str, Counter[str]] = {
    "spot_template": Counter({"spot_template": 3}),
    "fn_invoker": Counter({"fn_invoker": 1, "spot_template": 3}),
    "db_mod": Counter({"db_mod": 1, "spot_template": 1}),
    "s3_mod": Counter({"s3_mod": 1, "spot_template": 1}),
    "sns": Counter({"sns_publisher": 1, "spot_template": 1}),
    "webapp": Counter({
        "shop_front": 1,
        "shop_archive": 1,
        "shop_checkout": 1,
        "shop_pricing": 1,
        "shop_notify": 1,
    }),
    "wordcount": Counter({
        "wc_driver": 1,
        "wc_mapper": 3,
        "wc_coordinator": 5,
        "wc_reducer": 2,
    }),
}


@pytest.mark.parametrize("chain", sorted(EXPECTED_EDGES))
def test_chain_draws_exactly_the_expected_edges(demo_run: DemoRun, chain: str) -> None:
    graph = demo_run.graph(chain)

    assert edges_by_function(graph) == EXPECTED_EDGES[chain]
    assert invocations_by_function(graph) == EXPECTED_INVOCATIONS[chain]


@pytest.mark.parametrize("chain", sorted(EXPECTED_EDGES))
def test_every_invocation_of_a_chain_ended_well(demo_run: DemoRun, chain: str) -> None:
    graph = demo_run.graph(chain)
    invocations = [node for node in graph["nodes"] if node["kind"] == "invocation"]

    outcomes = [(node["function"], node["status"], node["ended"]) for node in invocations]
    assert outcomes == [(node["function"], "OK", True) for node in invocations]
    assert graph["notes"] == []


def test_one_coordinator_starts_the_reducers(demo_run: DemoRun) -> None:
    # GIVEN three mappers whose outputs each notify a coordinator
    graph = demo_run.graph("wordcount")
    function = {node["id"]: node["function"] for node in graph["nodes"]}

    # THEN only one of those coordinators claimed the reduce step
    starters = {
        edge["from"]
        for edge in graph["edges"]
        if function[edge["to"]] == "wc_reducer"
    }
    assert len(starters) == 1
    (starter,) = starters
    causes = [function[edge["from"]] for edge in graph["edges"] if edge["to"] == starter]
    assert causes == ["wc_mapper"]


def test_word_count_result_counts_every_word(demo_run: DemoRun) -> None:
    texts = sorted((EXAMPLES / "wordcount" / "texts").glob("*.txt"))
    words = Counter(
        word for path in texts for word in re.findall(r"[a-z]+", path.read_text().lower())
    )

    outcome = _outcome(demo_run, "wordcount")

    assert f": {sum(words.values())} words, {len(words)} distinct;" in outcome
    top = re.findall(r"([a-z]+) x(\d+)", outcome.split("most frequent:")[1])
    assert len(top) == 5
    assert [int(count) for _, count in top] == sorted(words.values(), reverse=True)[:5]
    assert all(words[word] == int(count) for word, count in top)


def test_web_shop_order_is_priced(demo_run: DemoRun) -> None:
    outcome = _outcome(demo_run, "webapp")

    # Two breads at 2.10 and one milk at 1.25.
    match = re.search(r"total ([\d.]+), priced$", outcome)
    assert match is not None, outcome
    assert Decimal(match.group(1)) == Decimal("5.45")


def _outcome(demo_run: DemoRun, chain: str) -> str:
    lines = [
        line.removeprefix("outcome: ")
        for line in demo_run.section(chain).splitlines()
        if line.startswith("outcome: ")
    ]
    assert len(lines) == 1, demo_run.section(chain)
    return lines[0]
