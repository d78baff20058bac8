"""The timing harness: turns alternate, each turn records one median per side, and the
untimed settling step runs only for blocks of steps."""

from bench.harness import interleave


def test_interleave_alternates_turns_and_records_one_median_per_turn():
    calls = []
    pair = interleave(
        "t", lambda: calls.append("a"), lambda: calls.append("b"), warmup=1, repeats=2, block=3
    )
    assert len(pair.ours) == len(pair.ref) == 2
    # warm-up a b, then per repeat: a (settle) + 3 timed, b (settle) + 3 timed
    assert "".join(calls) == "ab" + ("a" * 4 + "b" * 4) * 2
    assert all(t >= 0 for t in pair.ours + pair.ref) and len(pair.ratios) == 2


def test_interleave_with_inner_calls_and_no_block():
    calls = []
    pair = interleave(
        "t", lambda: calls.append("a"), lambda: calls.append("b"), warmup=0, repeats=3, inner=2
    )
    assert "".join(calls) == "aabb" * 3
    assert len(pair.ours) == 3


def test_settling_runs_untimed_steps_for_the_given_time():
    import time

    calls = []

    def ours():
        calls.append("a")
        time.sleep(0.002)

    interleave("t", ours, lambda: calls.append("b"), warmup=0, repeats=1, settle_s=0.02)
    # at least 0.02 s of untimed 2-ms steps (~10), then one timed step
    assert calls.count("a") >= 6 and calls[-1] == "b"
