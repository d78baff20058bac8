"""ctc_decode (greedy and beam search) against keras.ops.nn.ctc_decode on the same logits:
the decoded label sequences exactly, the scores to float tolerance."""

from __future__ import annotations

import numpy as np
import pytest

from deepnum.ops import nn
from tests.ops.keras_reference import check_keras


def _logits(batch, steps, classes, seed, peaked=True):
    """Random logits; ``peaked`` makes some frames confident so that labels repeat and merge."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, steps, classes))
    if peaked:
        x[rng.random((batch, steps)) < 0.5, rng.integers(0, classes)] += 4.0
    return x.astype("float32")


GREEDY = [
    ((3, 8, 5), [8, 5, 0], {}),
    ((2, 6, 4), [6, 3], {"merge_repeated": False}),
    ((2, 7, 4), [7, 7], {"mask_index": 2}),
    ((2, 7, 4), [4, 7], {"mask_index": None}),
]
BEAM = [
    ((2, 6, 4), [6, 4], {"beam_width": 5}),
    ((2, 7, 5), [7, 2], {"beam_width": 3, "top_paths": 3}),
    ((1, 8, 3), [8], {"beam_width": 10, "top_paths": 2, "mask_index": 1}),
    ((2, 5, 4), [5, 5], {"beam_width": 100, "mask_index": None}),
]


@pytest.mark.parametrize("shape, lengths, kwargs", GREEDY, ids=str)
@pytest.mark.parametrize("seed", [0, 1])
def test_greedy_against_keras(shape, lengths, kwargs, seed):
    x = _logits(*shape, seed)
    check_keras("nn.ctc_decode", x, np.array(lengths, "int32"), atol=1e-5, **kwargs)


@pytest.mark.parametrize("shape, lengths, kwargs", BEAM, ids=str)
@pytest.mark.parametrize("seed", [0, 1])
def test_beam_search_against_keras(shape, lengths, kwargs, seed):
    x = _logits(*shape, seed, peaked=seed == 0)
    check_keras("nn.ctc_decode", x, np.array(lengths, "int32"), strategy="beam_search",
                atol=1e-5, rtol=1e-5, **kwargs)  # fmt: skip


def test_beam_search_scores_are_log_probabilities_of_labellings():
    # Two frames over {blank, a}: p("a") = p(a·) + p(·a) + p(aa) = 0.36 + 0.16 + 0.24 = 0.76,
    # p("") = p(··) = 0.24.
    logp = np.log(np.array([[[0.4, 0.6], [0.6, 0.4]]]))
    paths, scores = nn.ctc_decode(logp, [2], strategy="beam_search", beam_width=4, top_paths=2)
    assert paths.numpy()[:, 0].tolist() == [[1, -1], [-1, -1]]
    np.testing.assert_allclose(np.exp(scores.numpy()[0]), [0.76, 0.24], rtol=1e-6)


@pytest.mark.parametrize(
    "kwargs, match",
    [({"strategy": "viterbi"}, "strategy"), ({"mask_index": 7}, "mask_index"),
     ({"strategy": "beam_search", "beam_width": 0}, "beam_width")],
    ids=["strategy", "mask", "beam"],
)  # fmt: skip
def test_argument_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        nn.ctc_decode(np.zeros((1, 3, 4)), [3], **kwargs)
