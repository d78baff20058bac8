"""The applications benchmark's twins compute what deepnum computes: the PyTorch ResNet50 and
MobileNetV2 of ``bench/applications_torch.py`` loaded with a deepnum model's weights give its
predictions (feature maps without the top, probabilities with it; odd and even sizes, which
pad differently), and the frozen-base training step gives the same loss and head update."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import reference

torch = reference("torch")

from bench import bench_applications as bench  # noqa: E402 - after the reference check

# (model, input size, include_top)
CASES = [
    ("ResNet50", 64, False),
    ("ResNet50", 33, True),
    ("MobileNetV2", 64, True),
    ("MobileNetV2", 65, False),
]


def nchw(x: np.ndarray):
    return torch.from_numpy(x.transpose(0, 3, 1, 2).copy())


@pytest.mark.parametrize("name,size,include_top", CASES)
def test_torch_twin_gives_deepnum_predictions(name, size, include_top):
    model = bench.deepnum_model(name, size, include_top)
    net = bench.torch_twin(name, model, include_top)
    x = bench.images(2, size)
    expected = model.predict(x, verbose=0)
    with torch.inference_mode():
        got = net(nchw(x)).numpy()
    if not include_top:
        got = got.transpose(0, 2, 3, 1)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4 * np.abs(expected).max())


def test_frozen_step_twin_gives_the_same_loss_and_head():
    import deepnum as dn

    size, batch = 40, 4
    base = bench.deepnum_model("MobileNetV2", size, include_top=False)
    net = bench.torch_twin("MobileNetV2", base, include_top=False)
    model = bench.frozen_models(dn, base, size)
    x = bench.images(batch, size)
    y = np.random.default_rng(1).integers(0, bench.HEAD_CLASSES, batch)
    step, head = bench.torch_frozen_step(net, base.output_shape[-1], nchw(x), torch.tensor(y))
    kernel, bias = model.layers[-1].get_weights()
    with torch.no_grad():
        head.weight.copy_(torch.from_numpy(kernel.T.copy()))
        head.bias.copy_(torch.from_numpy(bias))
    before = [np.asarray(w).copy() for w in base.weights]
    for _ in range(2):
        loss = model.train_on_batch(x, y)
        expected = float(step().detach())
        np.testing.assert_allclose(loss, expected, rtol=1e-4)
    # Adam's first steps move every weight by about ±lr (1e-3) whatever its gradient's size:
    # where the gradient is near zero, float32 rounding decides the sign; the second loss above
    # checks the update itself
    new_kernel, new_bias = model.layers[-1].get_weights()
    diff = np.abs(head.weight.detach().numpy().T - new_kernel)
    assert diff.max() <= 2.1e-3 and np.median(diff) < 1e-6
    np.testing.assert_allclose(head.bias.detach().numpy(), new_bias, rtol=1e-4, atol=1e-6)
    assert all(np.array_equal(a, np.asarray(w)) for a, w in zip(before, base.weights))
