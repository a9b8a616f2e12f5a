"""DynamoDB pairing: one key's writes and stream records, one to one, in order."""

from __future__ import annotations

from spot_otel.graph.ddb_pairing import (
    PairingBounds,
    StreamRecord,
    Write,
    pair_stream_records,
)

SECOND = 1000
T0 = 1_693_997_155_000  # ApproximateCreationDateTime of dynamoStreamEvent.json


def pairs_of(writes, records, bounds=PairingBounds()):
    pairing = pair_stream_records(
        [Write(at, name) for at, name in writes],
        [StreamRecord(seq, at, name) for seq, at, name in records],
        bounds,
    )
    return {pair.record: pair.write for pair in pairing.pairs}, pairing


def test_repeated_writes_of_one_key_pair_in_order_not_crosswise():
    # Three functions write one item within seconds; records arrive out of
    # list order but carry increasing sequence numbers.
    writes = [(T0 + 300, "w1"), (T0 + 1400, "w2"), (T0 + 2600, "w3")]
    records = [
        ("333", T0 + 2 * SECOND, "r3"),
        ("111", T0, "r1"),
        ("222", T0 + SECOND, "r2"),
    ]
    paired, pairing = pairs_of(writes, records)
    assert paired == {"r1": "w1", "r2": "w2", "r3": "w3"}
    assert pairing.unpaired_writes == 0
    assert pairing.ambiguous == 0


def test_a_write_with_no_record_does_not_shift_later_pairs():
    # w2 changed nothing (no stream record); r3 must still pair with w3.
    writes = [(T0 + 100, "w1"), (T0 + 5 * SECOND, "w2"), (T0 + 10 * SECOND + 200, "w3")]
    records = [("111", T0, "r1"), ("333", T0 + 10 * SECOND, "r3")]
    paired, pairing = pairs_of(writes, records)
    assert paired == {"r1": "w1", "r3": "w3"}
    assert pairing.unpaired_writes == 1


def test_a_record_with_no_traced_write_joins_nothing():
    writes = [(T0 + 100, "w1"), (T0 + 20 * SECOND + 100, "w3")]
    records = [
        ("111", T0, "r1"),
        ("222", T0 + 10 * SECOND, "untraced"),
        ("333", T0 + 20 * SECOND, "r3"),
    ]
    paired, _ = pairs_of(writes, records)
    assert paired == {"r1": "w1", "untraced": None, "r3": "w3"}


def test_skewed_producer_clock_within_the_bound_still_pairs():
    # The producer's clock runs 1.8 s behind DynamoDB's.
    paired, _ = pairs_of([(T0 - 1800, "w")], [("111", T0, "r")])
    assert paired == {"r": "w"}
    # And 2.9 s ahead (1 s of rounding plus 1.9 s of skew).
    paired, _ = pairs_of([(T0 + 2900, "w")], [("111", T0, "r")])
    assert paired == {"r": "w"}


def test_skew_beyond_the_bound_is_not_paired_and_the_bound_is_an_option():
    writes, records = [(T0 - 3500, "w")], [("111", T0, "r")]
    paired, pairing = pairs_of(writes, records)
    assert paired == {"r": None}
    assert pairing.unpaired_writes == 1

    paired, _ = pairs_of(writes, records, PairingBounds(skew_ms=4000))
    assert paired == {"r": "w"}


def test_the_same_sequence_number_seen_twice_shares_one_write():
    # A retried batch, or two functions on one stream.
    writes = [(T0 + 100, "w1"), (T0 + 1200, "w2")]
    records = [
        ("111", T0, "first try"),
        ("111", T0, "retry"),
        ("222", T0 + SECOND, "next"),
    ]
    paired, _ = pairs_of(writes, records)
    assert paired == {"first try": "w1", "retry": "w1", "next": "w2"}


def test_a_leftover_write_inside_a_window_marks_the_pair_ambiguous():
    # Two writes in one second, one record: which one made it cannot be told.
    paired, pairing = pairs_of(
        [(T0 + 100, "w1"), (T0 + 600, "w2")], [("111", T0, "r1")]
    )
    assert paired == {"r1": "w1"}
    assert pairing.ambiguous == 1
    assert pairing.pairs[0].ambiguous
