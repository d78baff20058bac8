"""Per-example gradients with vmap(grad), clipped and noised: the DP-SGD step (Abadi et al.
2016) on a small MLP trained on the bundled 8x8 digits.

One step of DP-SGD on a batch of B examples, with clipping norm C and noise multiplier σ:

    gᵢ = ∇θ L(θ; xᵢ, yᵢ)                       one gradient per example: vmap(grad(L))
    ḡᵢ = gᵢ / max(1, ‖gᵢ‖₂ / C)                 each clipped to norm ≤ C (all weights together)
    g̃ = (Σᵢ ḡᵢ + 𝒩(0, σ²C² I)) / B            summed, noised, averaged
    θ ← θ − η g̃

Run: python examples/per_example_gradients.py [--quick]
"""

import argparse

import numpy as np

import deepnum as dn
from deepnum import ops


def init_params(rng: np.random.Generator, sizes=(64, 32, 10)) -> dict:
    """Glorot-uniform weights and zero biases of a 64-32-10 MLP."""
    params = {}
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        limit = np.sqrt(6.0 / (n_in + n_out))
        params[f"w{i}"] = rng.uniform(-limit, limit, (n_in, n_out)).astype("float32")
        params[f"b{i}"] = np.zeros(n_out, "float32")
    return params


def loss(params: dict, x, y):
    """Cross-entropy of one example (x: 64 pixels, y: one-hot of 10)."""
    h = ops.relu(x @ params["w1"] + params["b1"])
    return -(y * ops.log_softmax(h @ params["w2"] + params["b2"], axis=-1)).sum()


per_example_grads = dn.vmap(dn.grad(loss), in_axes=(None, 0, 0))


def dp_sgd_step(params, x, y, rng, lr=0.5, clip=1.0, noise=1.0):
    """One DP-SGD step; returns the new parameters and the per-example norms before clipping."""
    grads = per_example_grads(params, x, y)  # each of shape (B,) + the weight's shape
    flat = [grads[k].numpy().reshape(len(x), -1) for k in params]
    norms = np.sqrt(sum((g**2).sum(axis=1) for g in flat))  # ‖gᵢ‖ over all weights
    scale = 1.0 / np.maximum(1.0, norms / clip)
    new = {}
    for k, w in params.items():
        g = grads[k].numpy()
        clipped_sum = np.tensordot(scale, g, axes=1)  # Σᵢ ḡᵢ
        noisy = clipped_sum + rng.normal(0.0, noise * clip, w.shape)
        new[k] = (w - lr * noisy / len(x)).astype(w.dtype)
    return new, norms


def accuracy(params, x, labels):
    h = ops.relu(x @ params["w1"] + params["b1"])
    return float((np.argmax((h @ params["w2"] + params["b2"]).numpy(), 1) == labels).mean())


def main(steps: int = 300, batch: int = 64) -> None:
    rng = np.random.default_rng(0)
    (x, labels), (x_test, labels_test) = dn.datasets.digits.load_data()
    x = (x.reshape(len(x), -1) / 16).astype("float32")
    x_test = (x_test.reshape(len(x_test), -1) / 16).astype("float32")
    y = np.eye(10, dtype="float32")[labels]
    params = init_params(rng)
    grads = per_example_grads(params, x[:4], y[:4])
    one = dn.grad(loss)(params, x[1], y[1])
    same = all(np.allclose(grads[k].numpy()[1], one[k].numpy(), atol=1e-6) for k in params)
    print(f"per-example gradient of example 1 equals grad(loss) on it alone: {same}")
    for step in range(1, steps + 1):
        idx = rng.choice(len(x), batch, replace=False)
        params, norms = dp_sgd_step(params, x[idx], y[idx], rng)
        if step == 1 or step % max(1, steps // 5) == 0:
            print(
                f"step {step:4d}: per-example gradient norms median {np.median(norms):.3f}, "
                f"max {norms.max():.3f}, clipped {np.mean(norms > 1.0):.0%}; "
                f"test accuracy {accuracy(params, x_test, labels_test):.3f}"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a few steps only")
    args = parser.parse_args()
    main(steps=10 if args.quick else 300)
