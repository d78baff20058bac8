"""The three workloads in JAX (jit-compiled training steps), from the same initial weights as
deepnum's models: the benchmark includes them when JAX is installed."""

from __future__ import annotations

from typing import Any


def available() -> bool:
    try:
        import jax  # noqa: F401
    except ImportError:
        return False
    return True


def _adam(
    params: list,
    grads: list,
    state: dict,
    lr: float = 1e-3,
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-7,
) -> tuple[list, dict]:
    """Keras's Adam: α_t = α√(1−β₂ᵗ)/(1−β₁ᵗ), w ← w − α_t m / (√v + ε)."""
    import jax.numpy as jnp

    t = state["t"] + 1
    alpha = lr * jnp.sqrt(1 - b2**t) / (1 - b1**t)
    m = [b1 * m_ + (1 - b1) * g for m_, g in zip(state["m"], grads)]
    v = [b2 * v_ + (1 - b2) * g * g for v_, g in zip(state["v"], grads)]
    new = [p - alpha * m_ / (jnp.sqrt(v_) + eps) for p, m_, v_ in zip(params, m, v)]
    return new, {"t": t, "m": m, "v": v}


def _mlp_loss(params: list, x: Any, y: Any) -> Any:
    import jax
    import jax.numpy as jnp

    h = jax.nn.relu(x @ params[0] + params[1])
    h = jax.nn.relu(h @ params[2] + params[3])
    logits = h @ params[4] + params[5]
    return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), y[:, None], axis=1))


def _cnn_loss(params: list, x: Any, y: Any) -> Any:
    import jax
    import jax.numpy as jnp
    from jax import lax

    def conv(h, k, b):
        out = lax.conv_general_dilated(
            h, k, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC")
        )
        return jax.nn.relu(out + b)

    def pool(h):
        return lax.reduce_window(h, -jnp.inf, lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")

    h = pool(conv(x, params[0], params[1]))
    h = pool(conv(h, params[2], params[3]))
    h = h.reshape(h.shape[0], -1)
    h = jax.nn.relu(h @ params[4] + params[5])
    logits = h @ params[6] + params[7]
    return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), y[:, None], axis=1))


def _lstm_loss(params: list, tokens: Any, y: Any) -> Any:
    import jax
    import jax.numpy as jnp
    from jax import lax

    embed, kernel, recurrent, bias, w_out, b_out = params
    xs = jnp.swapaxes(embed[tokens], 0, 1) @ kernel + bias  # (time, batch, 4·units)
    units = recurrent.shape[0]

    def step(carry, z):
        h, c = carry
        z = z + h @ recurrent
        i, f = jax.nn.sigmoid(z[:, :units]), jax.nn.sigmoid(z[:, units : 2 * units])
        g, o = jnp.tanh(z[:, 2 * units : 3 * units]), jax.nn.sigmoid(z[:, 3 * units :])
        c = f * c + i * g
        return (o * jnp.tanh(c), c), None

    zeros = jnp.zeros((tokens.shape[0], units), xs.dtype)
    (h, _), _ = lax.scan(step, (zeros, zeros), xs)
    logits = (h @ w_out + b_out)[:, 0]
    return jnp.mean(jax.nn.softplus(logits) - y * logits)  # binary cross-entropy from logits


_LOSSES = {"mlp": _mlp_loss, "cnn": _cnn_loss, "lstm": _lstm_loss}


def train_step(name: str, model: Any, x: Any, y: Any):
    """A jitted JAX training step (forward, grad, Adam) on a copy of ``model``'s weights."""
    import jax
    import jax.numpy as jnp

    loss_fn = _LOSSES[name]
    params = [jnp.asarray(w) for w in model.get_weights()]
    state = {
        "t": 0,
        "m": [jnp.zeros_like(p) for p in params],
        "v": [jnp.zeros_like(p) for p in params],
    }

    @jax.jit
    def update(params, state, x, y):
        loss, grads = jax.value_and_grad(loss_fn)(params, x, y)
        params, state = _adam(params, grads, state)
        return params, state, loss

    xs, ys = jnp.asarray(x), jnp.asarray(y)
    holder = {"params": params, "state": state}

    def step() -> Any:
        holder["params"], holder["state"], loss = update(holder["params"], holder["state"], xs, ys)
        return loss.block_until_ready()

    return step
