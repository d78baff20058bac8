"""``deepnum.applications`` speed: ``predict`` of ResNet50 and MobileNetV2 (batch 8 and 32,
224×224 RGB, the ImageNet top) and a frozen-base training step (the base with
``trainable = False`` called with ``training=False``, global average pooling and a new Dense
head of 10 classes, Adam, batch 32), against the same architectures written in PyTorch
(``bench/applications_torch.py``, loaded with deepnum's weights: they compute the same
outputs) and against Keras's models on the PyTorch backend (the same weights), interleaved.

PyTorch runs its idiomatic eager loop (``net.eval()`` under ``torch.inference_mode()`` for
inference; frozen parameters with ``requires_grad=False`` for training); deepnum and Keras run
their public API (``predict``, ``train_on_batch``).

``python -m bench --only applications`` adds the rows to the report;
``python -m bench.bench_applications [--quick]`` runs them on their own, and
``python -m bench.bench_applications --memory`` prints the peak resident memory of each
framework's ``predict`` of ResNet50 at batch 32, one process per framework.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import numpy as np

from bench.harness import Pair, interleave

MODELS = ("ResNet50", "MobileNetV2")
HEAD_CLASSES = 10


def randomize(model: Any, seed: int = 0) -> None:
    """Weights that keep activations of order one (a freshly initialised ResNet's grow through
    its 16 residual sums): kernels N(0, 1/fan_in), biases, betas and moving means
    N(0, 0.1²), gammas and moving variances U(0.5, 1.5)."""
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        values = []
        for w in layer.weights:
            shape, path = tuple(w.shape), w.path
            if "variance" in path or "gamma" in path:
                new = rng.uniform(0.5, 1.5, shape)
            elif len(shape) >= 2:
                fan_in = np.prod(shape[:2] if "depthwise" in path else shape[:-1])
                new = rng.standard_normal(shape) / np.sqrt(fan_in)
            else:
                new = 0.1 * rng.standard_normal(shape)
            values.append(new.astype("float32"))
        if values:
            layer.set_weights(values)


def images(batch: int, size: int, seed: int = 0) -> np.ndarray:
    """Preprocessed images: uniform in [−1, 1]."""
    return np.random.default_rng(seed).uniform(-1, 1, (batch, size, size, 3)).astype("float32")


def deepnum_model(name: str, size: int, include_top: bool = True) -> Any:
    import deepnum as dn

    dn.backend.clear_session()
    model = getattr(dn.applications, name)(
        weights=None, input_shape=(size, size, 3), include_top=include_top
    )
    randomize(model)
    return model


def torch_twin(name: str, model: Any, include_top: bool = True) -> Any:
    from bench import applications_torch

    return applications_torch.load_from_deepnum(
        getattr(applications_torch, name)(include_top=include_top), model
    )


def keras_twin(name: str, model: Any, size: int, include_top: bool = True) -> Any:
    os.environ.setdefault("KERAS_BACKEND", "torch")
    import keras

    keras.backend.clear_session()
    twin = getattr(keras.applications, name)(
        weights=None, input_shape=(size, size, 3), include_top=include_top
    )
    for layer in twin.layers:  # by name: Keras's layer names are deepnum's
        if layer.weights:
            layer.set_weights([np.asarray(w) for w in model.get_layer(layer.name).weights])
    return twin


def frozen_models(lib: Any, base: Any, size: int) -> Any:
    """The transfer-learning guide's model on a frozen ``base`` (deepnum or Keras)."""
    base.trainable = False
    inputs = lib.Input((size, size, 3))
    x = lib.layers.GlobalAveragePooling2D()(base(inputs, training=False))
    model = lib.Model(inputs, lib.layers.Dense(HEAD_CLASSES)(x))
    model.compile(
        optimizer=lib.optimizers.Adam(1e-3),
        loss=lib.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    return model


def torch_frozen_step(net: Any, head_in: int, x: Any, y: Any) -> tuple[Any, Any]:
    """PyTorch's frozen-base step: ``net`` in eval mode without gradients, a Linear head
    trained with Adam; returns (step, head)."""
    import torch

    net.eval().requires_grad_(False)
    head = torch.nn.Linear(head_in, HEAD_CLASSES)
    opt = torch.optim.Adam(head.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = torch.nn.CrossEntropyLoss()

    def step() -> Any:
        opt.zero_grad()
        loss = loss_fn(head(net(x).mean(dim=(2, 3))), y)
        loss.backward()
        opt.step()
        return loss

    return step, head


def predict_pairs(name: str, batch: int, size: int, repeats: int) -> list[Pair]:
    import torch

    model = deepnum_model(name, size)
    net, twin = torch_twin(name, model), keras_twin(name, model, size)
    x = images(batch, size)
    xt = torch.from_numpy(x.transpose(0, 3, 1, 2).copy())

    def ours() -> Any:
        return model.predict(x, batch_size=batch, verbose=0)

    def ref() -> Any:
        with torch.inference_mode():
            return net(xt)

    label = f"{name} predict, batch {batch} of {size}x{size} RGB"
    kw = {"warmup": 1, "repeats": repeats, "samples_per_step": batch}
    return [
        interleave(f"{label} (PyTorch twin)", ours, ref, **kw),
        interleave(
            f"{label} (Keras)",
            ours,
            lambda: twin.predict(x, batch_size=batch, verbose=0),
            ref_name="Keras (PyTorch backend)",
            **kw,
        ),
    ]


def frozen_step_pairs(name: str, batch: int, size: int, repeats: int) -> list[Pair]:
    os.environ.setdefault("KERAS_BACKEND", "torch")
    import keras
    import torch

    import deepnum as dn

    base = deepnum_model(name, size, include_top=False)
    net = torch_twin(name, base, include_top=False)
    k_base = keras_twin(name, base, size, include_top=False)
    model = frozen_models(dn, base, size)
    k_model = frozen_models(keras, k_base, size)
    x = images(batch, size)
    y = np.random.default_rng(1).integers(0, HEAD_CLASSES, batch)
    xt = torch.from_numpy(x.transpose(0, 3, 1, 2).copy())
    step, _ = torch_frozen_step(net, base.output_shape[-1], xt, torch.from_numpy(y))
    label = f"{name} frozen-base train step (new Dense head), batch {batch} of {size}x{size}"
    kw = {"warmup": 1, "repeats": repeats, "samples_per_step": batch}
    return [
        interleave(f"{label} (PyTorch twin)", lambda: model.train_on_batch(x, y), step, **kw),
        interleave(
            f"{label} (Keras)",
            lambda: model.train_on_batch(x, y),
            lambda: k_model.train_on_batch(x, y),
            ref_name="Keras (PyTorch backend)",
            **kw,
        ),
    ]


def application_pairs(repeats: int, quick: bool = False) -> list[Pair]:
    """Every row: predict at batch 8 and 32 and the frozen-base step at batch 32 of each
    model at 224×224 (``quick``: batch 8 of 96×96 only, for checking that the rows run)."""
    size, batches = (96, (8,)) if quick else (224, (8, 32))
    pairs = []
    for name in MODELS:
        for batch in batches:
            pairs += predict_pairs(name, batch, size, repeats)
        pairs += frozen_step_pairs(name, batches[-1], size, repeats)
    return pairs


# ------------------------------------------------------------------------ memory
def _peak_predict(side: str, name: str, batch: int, size: int, steps: int = 3) -> str:
    """In this process: the resident MB after one ``predict`` and the peak over ``steps``
    more (the deepnum process never imports PyTorch)."""
    from bench.memory import _status_mb

    model = deepnum_model(name, size)
    x = images(batch, size)
    if side == "deepnum":
        run = lambda: model.predict(x, batch_size=batch, verbose=0)  # noqa: E731
    else:
        import torch

        net, xt = torch_twin(name, model), torch.from_numpy(x.transpose(0, 3, 1, 2).copy())
        del model

        def run() -> Any:
            with torch.inference_mode():
                return net(xt)

    run()
    baseline = _status_mb("VmRSS")
    with open("/proc/self/clear_refs", "w") as f:  # reset the high-water mark (VmHWM)
        f.write("5")
    for _ in range(steps):
        run()
    return f"{baseline:.1f} {_status_mb('VmHWM'):.1f}"


def memory_rows(name: str = "ResNet50", batch: int = 32, size: int = 224) -> list[list[str]]:
    """[framework, MB after one predict, peak MB] for deepnum and the PyTorch twin."""
    rows = []
    for side in ("deepnum", "torch"):
        code = (
            "from bench import bench_applications as b, machine; "
            f"machine.set_threads(1, torch={side == 'torch'}); "
            f"print(b._peak_predict({side!r}, {name!r}, {batch}, {size}))"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout.split()
        rows.append([side, *out[-2:]])
    return rows


if __name__ == "__main__":
    import argparse

    from bench import machine
    from bench.harness import HEADER, markdown_table

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--memory", action="store_true")
    args = parser.parse_args()
    machine.set_threads(args.threads)
    if args.memory:
        rows = memory_rows(size=96 if args.quick else 224)
        print(markdown_table(["framework", "MB after one predict", "peak MB"], rows))
    else:
        pairs = application_pairs(args.repeats, args.quick)
        print(markdown_table(HEADER, [pair.row() for pair in pairs]))
