"""The optional numba kernels (deepnum.backend.accel): the LSTM loop against PyTorch and against the
NumPy loop, the tanh approximation against float64 tanh in ulps, pooling, ReLU, the embedding
gradient and Adam bit for bit against the NumPy paths, col2im, the batch parts, and the switches
that turn them off."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum.backend import accel
from deepnum.ops.nn import _recurrent as R
from tests.conftest import reference


@pytest.fixture(autouse=True)
def numba_on(monkeypatch):
    reference("numba")  # installed by the dev extra: the kernels must be exercised in CI
    monkeypatch.setenv("DEEPNUM_NUMBA", "1")
    assert accel.enabled()


def test_tanh_is_within_8_ulps_of_the_exact_value():
    x = np.concatenate(
        [
            np.linspace(-12, 12, 1_000_001, dtype=np.float32),
            np.float32(10.0) ** np.linspace(-40, 1, 50_000, dtype=np.float32),
        ]
    )
    x = np.concatenate([x, -x])
    n = x.size
    a = np.zeros((4, n), np.float32)
    a[3] = x  # the g row of one LSTM unit: g = tanh(a + z)
    c_prev = np.zeros((1, n), np.float32)
    c, tc, h = (np.empty_like(c_prev) for _ in range(3))
    accel.kernels()["lstm_step"](a, np.zeros_like(a), c_prev, c, tc, h)
    exact = np.tanh(x.astype(np.float64))
    ulp = np.spacing(np.abs(exact).astype(np.float32)).astype(np.float64)
    assert np.max(np.abs(a[3] - exact) / ulp) <= 8
    assert np.array_equal(np.abs(a[3][np.abs(x) > 9]), np.ones(np.sum(np.abs(x) > 9), np.float32))


def lstm_case(batch: int, steps: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    f, u = 5, 6
    return [
        rng.uniform(-1, 1, (batch, steps, f)).astype(np.float32),
        rng.uniform(-0.5, 0.5, (batch, u)).astype(np.float32),
        rng.uniform(-0.5, 0.5, (batch, u)).astype(np.float32),
        rng.uniform(-0.5, 0.5, (f, 4 * u)).astype(np.float32),
        rng.uniform(-0.5, 0.5, (u, 4 * u)).astype(np.float32),
        rng.uniform(-0.5, 0.5, 4 * u).astype(np.float32),
    ]


def lstm_grads(args, return_sequences: bool, go_backwards: bool):
    ts = [dn.tensor(a, requires_grad=True) for a in args]
    y, h, c = R.lstm(*ts, return_sequences=return_sequences, go_backwards=go_backwards)
    w = np.random.default_rng(1).standard_normal(y.shape).astype(np.float32)
    ((y * w).sum() + (h * h).sum() + c.sum()).backward()
    return [y.numpy(), h.numpy(), c.numpy()] + [t.grad.numpy() for t in ts]


@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("batch,steps", [(3, 7), (64, 40)])  # (64, 40): pipelined GEMMs
def test_lstm_kernels_match_the_numpy_loop(
    monkeypatch, return_sequences, go_backwards, batch, steps
):
    args = lstm_case(batch, steps)
    fused = lstm_grads(args, return_sequences, go_backwards)
    monkeypatch.setenv("DEEPNUM_NUMBA", "0")
    plain = lstm_grads(args, return_sequences, go_backwards)
    for a, b in zip(fused, plain):  # weight gradients are sums over 64·40 float32 terms
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=2e-5)


def test_lstm_kernels_match_pytorch():
    torch = reference("torch")
    x, h0, c0, k, rk, b = lstm_case(4, 30, seed=3)
    ours = lstm_grads([x, h0, c0, k, rk, b], True, False)
    net = torch.nn.LSTM(5, 6, batch_first=True)
    with torch.no_grad():
        net.weight_ih_l0.copy_(torch.from_numpy(k.T.copy()))
        net.weight_hh_l0.copy_(torch.from_numpy(rk.T.copy()))
        net.bias_ih_l0.copy_(torch.from_numpy(b))
        net.bias_hh_l0.zero_()
    xt, ht, ct = (torch.tensor(a, requires_grad=True) for a in (x, h0, c0))
    y, (h, c) = net(xt, (ht[None], ct[None]))
    w = torch.from_numpy(np.random.default_rng(1).standard_normal(y.shape).astype(np.float32))
    ((y * w).sum() + (h * h).sum() + c.sum()).backward()
    theirs = [y, h[0], c[0], xt.grad, ht.grad, ct.grad]
    theirs += [net.weight_ih_l0.grad.T, net.weight_hh_l0.grad.T, net.bias_ih_l0.grad]
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b.detach().numpy(), rtol=1e-4, atol=1e-5)


def test_embedding_gradient_is_bit_identical_to_add_at(monkeypatch):
    rng = np.random.default_rng(0)
    ids = rng.integers(0, 7, (5, 11))  # many repeats
    g = rng.standard_normal((5, 11, 3)).astype(np.float32)

    def grad():
        layer = dn.layers.Embedding(7, 3)
        layer.build((5, 11))
        out = layer(ids)
        (out * g).sum().backward()
        return layer.embeddings.grad.numpy()

    fused = grad()
    monkeypatch.setenv("DEEPNUM_NUMBA", "0")
    expected = np.zeros((7, 3), np.float32)
    np.add.at(expected, ids.ravel(), g.reshape(-1, 3))
    assert np.array_equal(fused, expected) and np.array_equal(grad(), expected)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam_kernel_is_bit_identical_to_the_numpy_update(monkeypatch, dtype, amsgrad):
    def run():
        v = dn.Variable(np.random.default_rng(1).standard_normal((30, 7)).astype(dtype))
        opt = dn.optimizers.Adam(learning_rate=0.01, amsgrad=amsgrad)
        for i in range(5):
            opt.apply([np.random.default_rng(10 + i).standard_normal((30, 7)).astype(dtype)], [v])
        return v.numpy()

    fused = run()
    monkeypatch.setenv("DEEPNUM_NUMBA", "0")
    assert np.array_equal(fused, run())


def test_the_switch_and_a_missing_numba_fall_back(monkeypatch):
    monkeypatch.setenv("DEEPNUM_NUMBA", "0")
    assert not accel.enabled() and accel.kernel("adam") is None
    monkeypatch.setenv("DEEPNUM_NUMBA", "1")
    monkeypatch.setattr(accel, "_kernels", {"missing": "numba cannot be imported"})
    monkeypatch.setattr(accel, "_warned", set())
    with pytest.warns(RuntimeWarning, match="compiled Adam update"):
        assert not accel.enabled() and accel.kernel("adam") is None


@pytest.mark.parametrize(
    "pool,strides,padding",
    [(2, None, "valid"), (3, 2, "same"), (3, 3, "same"), ((2, 3), (1, 2), "valid"), (2, 1, "same")],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])  # int32 / int64 winning taps
def test_max_pool_kernels_are_bit_identical_to_the_numpy_path(
    monkeypatch, pool, strides, padding, dtype
):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 7, 9, 5)).astype(dtype)
    x[0, 1, 1] = x[0, 1, 2]  # ties go to the first tap
    x[1, 2, 3, 0] = np.nan  # NaN propagates
    gy_seed = np.random.default_rng(1)

    def run():
        t = dn.tensor(x, requires_grad=True)
        y = dn.ops.max_pool(t, pool, strides, padding)
        g = gy_seed.standard_normal(y.shape).astype(dtype)
        (y * g).sum().backward()
        return y.numpy(), t.grad.numpy()

    fused = run()
    gy_seed = np.random.default_rng(1)
    monkeypatch.setenv("DEEPNUM_NUMBA", "0")
    plain = run()
    for a, b in zip(fused, plain):
        assert a.tobytes() == b.tobytes()  # NaN and signed zeros included


def test_relu_gradient_is_bit_identical_including_signed_zeros_and_nan(monkeypatch):
    x = np.array([[-1.0, 0.0, 2.0, 3.0, -0.0, np.nan]], np.float32)
    gy = np.array([[-2.0, -3.0, np.nan, -4.0, 5.0, 1.0]], np.float32)

    def run():
        t = dn.tensor(x, requires_grad=True)
        dn.ops.relu(t).backward(gy)
        return t.grad.numpy()

    fused = run()
    monkeypatch.setenv("DEEPNUM_NUMBA", "0")
    assert fused.tobytes() == run().tobytes()
    assert np.signbit(fused[0, 0]) and np.isnan(fused[0, 2])


@pytest.mark.parametrize(
    "strides,padding,dilation", [(1, "same", 1), (2, "same", 1), (2, "valid", 1), (1, "valid", 2)]
)
def test_conv_input_gradient_through_col2im_matches_the_per_tap_path(
    monkeypatch, strides, padding, dilation
):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 9, 8, 3)).astype(np.float32)
    k = rng.standard_normal((3, 3, 3, 4)).astype(np.float32)

    def run():
        t = dn.tensor(x, requires_grad=True)
        y = dn.ops.conv(t, k, strides, padding, dilation_rate=dilation)
        (y * np.random.default_rng(1).standard_normal(y.shape)).sum().backward()
        return t.grad.numpy()

    fused = run()
    monkeypatch.setenv("DEEPNUM_NUMBA", "0")
    np.testing.assert_allclose(fused, run(), rtol=1e-5, atol=1e-5)


def test_the_lstm_loop_is_compiled_and_its_blas_runs_on_one_thread_in_the_loop():
    reference("scipy")
    threadpoolctl = reference("threadpoolctl")
    from deepnum.ops.nn import _recurrent_scan as recurrent_scan

    assert accel.kernel("lstm_steps") is not None  # SciPy's BLAS is loaded with the kernels
    with recurrent_scan.serial_blas(np):
        pools = [p for p in threadpoolctl.threadpool_info() if p["user_api"] == "blas"]
        assert any("scipy" in p["filepath"] for p in pools)
        assert all(p["num_threads"] == 1 for p in pools)


def test_without_scipy_the_lstm_loop_is_not_compiled(monkeypatch):
    find_spec = accel.importlib.util.find_spec
    monkeypatch.setattr(
        accel.importlib.util, "find_spec", lambda name: None if name == "scipy" else find_spec(name)
    )
    found = accel._compile()
    assert "lstm_steps" not in found and "adam" in found


def test_batch_parts_run_in_parallel_and_match_one_part(monkeypatch):
    from deepnum.ops.nn import _recurrent_scan as recurrent_scan

    monkeypatch.setattr(recurrent_scan, "MAX_PARTS", 2)
    assert recurrent_scan.batch_parts(64, 40) == [slice(0, 32), slice(32, 64)]
    assert recurrent_scan.batch_parts(20, 40) == [slice(None)]  # too few samples per part
    assert recurrent_scan.batch_parts(64, 10) == [slice(None)]  # too short to pay off
    for return_sequences in (False, True):
        args = lstm_case(64, 40, seed=5)
        split = lstm_grads(args, return_sequences, go_backwards=True)
        monkeypatch.setattr(recurrent_scan, "MAX_PARTS", 1)
        whole = lstm_grads(args, return_sequences, go_backwards=True)
        monkeypatch.setattr(recurrent_scan, "MAX_PARTS", 2)
        for a, b in zip(split, whole):  # per-sample results equal, weight sums reordered
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


def test_gelu_erf_is_within_8_ulps_and_the_layer_path_matches_the_numpy_one(monkeypatch):
    """Φ(x) = ½ + ½·erf(x/√2) from the kernel's float32 erf: erf within 8 ulps of SciPy's
    float64 erf; the GELU and its gradient equal the NumPy path's to float32 rounding."""
    special = reference("scipy.special")
    x = np.concatenate(
        [np.linspace(-8, 8, 400_001, dtype=np.float32), np.float32(10.0) ** np.arange(-30, 0)]
    )
    x = np.concatenate([x, -x]) * np.float32(np.sqrt(2))  # the kernel reads x/√2
    y, phi = np.empty_like(x), np.empty_like(x)
    accel.kernels()["gelu"](x, y, phi)
    exact = special.erf(x.astype(np.float64) / np.sqrt(2))
    ulp = np.spacing(np.abs(exact).astype(np.float32)).astype(np.float64)
    erf = 2 * phi.astype(np.float64) - 1  # exact in float64
    assert np.max(np.abs(erf - exact) / np.maximum(ulp, 2.0**-24)) <= 8
    np.testing.assert_array_equal(y, x * phi)

    z = np.random.default_rng(0).standard_normal((4, 50)).astype(np.float32) * 3
    fast = dn.grad(lambda t: (dn.ops.gelu(t, approximate=False) ** 2).sum())(z).numpy()
    monkeypatch.setenv("DEEPNUM_NUMBA", "0")
    slow = dn.grad(lambda t: (dn.ops.gelu(t, approximate=False) ** 2).sum())(z).numpy()
    np.testing.assert_allclose(fast, slow, rtol=1e-6, atol=1e-6)
