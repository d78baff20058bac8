"""The transform benchmark's twins compute the same numbers: per-example gradients of the MLP
loss by vmap(grad), by torch.func.vmap(grad) and by one grad call per example; the Hessian by
deepnum and by torch.func.hessian."""

import numpy as np

from bench import bench_transforms as bt
from tests.conftest import reference


def test_per_example_gradient_twins_agree():
    reference("torch")
    params, x, t = bt.mlp_problem(batch=3)
    runs = bt.per_example_grads(params, x, t)
    ours, theirs, loop = runs["vmap"](), runs["torch"](), runs["loop"]()
    for k, w in params.items():
        assert ours[k].shape == (3,) + w.shape
        np.testing.assert_allclose(ours[k].numpy(), theirs[k].numpy(), rtol=1e-4, atol=1e-6)
        stacked = np.stack([g[k].numpy() for g in loop])
        np.testing.assert_allclose(ours[k].numpy(), stacked, rtol=1e-4, atol=1e-6)
    assert np.abs(ours["w1"].numpy()[0] - ours["w1"].numpy()[1]).max() > 1e-6  # per example


def test_hessian_twins_agree():
    reference("torch")
    w, a, y = bt.hessian_problem()
    runs = bt.hessians(w, a, y)
    ours, theirs = runs["ours"](), runs["torch"]()
    assert ours.shape == (bt.HESSIAN_PARAMS, bt.HESSIAN_PARAMS)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12, atol=1e-14)
