"""Function transforms: per-example gradients with ``vmap(grad)`` and a Hessian, deepnum against
``torch.func`` (and against a loop of separate ``grad`` calls).

- Per-example gradients of the MLP workload's loss (784-512-256-10, ReLU, softmax
  cross-entropy, the weights of ``workloads.deepnum_mlp``) for a batch of 128:
  ``dn.vmap(dn.grad(loss), in_axes=(None, 0, 0))`` against
  ``torch.func.vmap(torch.func.grad(loss), in_dims=(None, 0, 0))``, and against 128 separate
  ``dn.grad`` calls (the definition; what vmap replaces).
- The Hessian (100 x 100) of a 100-parameter function, L2-regularised logistic regression on
  256 samples, ``dn.hessian`` against ``torch.func.hessian``.

Both sides compute the same numbers from the same arrays (``tests/bench/test_bench_transforms``
checks it); ``python -m bench --only transforms`` adds the rows to the report and
``python -m bench.bench_transforms`` runs them on their own.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bench import workloads
from bench.harness import Pair, interleave

BATCH = 128
NAMES = ("w1", "b1", "w2", "b2", "w3", "b3")
HESSIAN_PARAMS, HESSIAN_SAMPLES = 100, 256


def mlp_loss(m: Any, log_softmax: Any) -> Any:
    """The loss of one example, ``-Σ t · log_softmax(MLP(x))``, in module ``m``'s ops."""

    def loss(p: dict, x: Any, t: Any) -> Any:
        h = m.relu(x @ p["w1"] + p["b1"])
        h = m.relu(h @ p["w2"] + p["b2"])
        return -(t * log_softmax(h @ p["w3"] + p["b3"])).sum()

    return loss


def mlp_problem(batch: int = BATCH) -> tuple[dict, np.ndarray, np.ndarray]:
    """The MLP workload's weights (by name), a batch of inputs and one-hot labels."""
    weights = workloads.deepnum_mlp().get_weights()
    x, y = workloads.mnist_batch(batch, flat=True)
    return dict(zip(NAMES, weights)), x, np.eye(10, dtype=np.float32)[y]


def per_example_grads(params: dict, x: np.ndarray, t: np.ndarray) -> dict[str, Any]:
    """The three ways to compute per-example gradients, each a function of no arguments."""
    import torch
    import torch.func as tf

    import deepnum as dn
    from deepnum import ops

    ours = mlp_loss(ops, lambda z: ops.log_softmax(z, axis=-1))
    theirs = mlp_loss(torch, lambda z: torch.log_softmax(z, -1))
    p_dn = {k: dn.tensor(v) for k, v in params.items()}
    p_t = {k: torch.from_numpy(v) for k, v in params.items()}
    x_t, t_t = torch.from_numpy(x), torch.from_numpy(t)
    vmapped = dn.vmap(dn.grad(ours), in_axes=(None, 0, 0))
    torch_vmapped = tf.vmap(tf.grad(theirs), in_dims=(None, 0, 0))
    one = dn.grad(ours)
    return {
        "vmap": lambda: vmapped(p_dn, x, t),
        "torch": lambda: torch_vmapped(p_t, x_t, t_t),
        "loop": lambda: [one(p_dn, x[i], t[i]) for i in range(len(x))],
    }


def logistic_loss(m: Any) -> Any:
    """Mean logistic loss with an L2 term: (1/n) Σ softplus(−yᵢ aᵢ·w) + ½ λ ‖w‖²."""

    def loss(w: Any, a: Any, y: Any) -> Any:
        z = -y * (a @ w)
        return m.logaddexp(m.zeros_like(z), z).mean() + 0.05 * (w * w).sum()

    return loss


def hessian_problem() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    a = rng.standard_normal((HESSIAN_SAMPLES, HESSIAN_PARAMS))
    y = np.sign(rng.standard_normal(HESSIAN_SAMPLES))
    return 0.1 * rng.standard_normal(HESSIAN_PARAMS), a, y


def hessians(w: np.ndarray, a: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    """deepnum's and torch.func's Hessian of the logistic loss at ``w``, as functions."""
    import torch
    import torch.func as tf

    import deepnum as dn
    from deepnum import ops

    ours, theirs = dn.hessian(logistic_loss(ops)), tf.hessian(logistic_loss(torch))
    a_dn, y_dn = dn.tensor(a), dn.tensor(y)
    w_t, a_t, y_t = (torch.from_numpy(v) for v in (w, a, y))
    return {"ours": lambda: ours(w, a_dn, y_dn), "torch": lambda: theirs(w_t, a_t, y_t)}


def transform_pairs(repeats: int) -> list[Pair]:
    """The three rows: vmap(grad) against torch.func and against a loop, the Hessian."""
    params, x, t = mlp_problem()
    grads = per_example_grads(params, x, t)
    label = f"per-example gradients, MLP loss, batch {BATCH}"
    pairs = [
        interleave(
            f"{label}: vmap(grad)",
            grads["vmap"],
            grads["torch"],
            warmup=1,
            repeats=repeats,
            samples_per_step=BATCH,
            ref_name="torch.func.vmap(grad)",
        ),
        interleave(
            f"{label}: vmap(grad) against {BATCH} grad calls",
            grads["vmap"],
            grads["loop"],
            warmup=1,
            repeats=repeats,
            samples_per_step=BATCH,
            ref_name=f"deepnum, {BATCH} grad calls",
        ),
    ]
    h = hessians(*hessian_problem())
    pairs.append(
        interleave(
            f"Hessian of a {HESSIAN_PARAMS}-parameter function (logistic loss, float64)",
            h["ours"],
            h["torch"],
            warmup=1,
            repeats=repeats,
            ref_name="torch.func.hessian",
        )
    )
    return pairs


if __name__ == "__main__":
    import argparse

    from bench import machine
    from bench.harness import HEADER, markdown_table

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    machine.set_threads(args.threads)
    rows = transform_pairs(args.repeats)
    print(markdown_table(HEADER, [p.row() for p in rows]))
