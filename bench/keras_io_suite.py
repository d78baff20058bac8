"""Training-step pairs of the keras.io workloads of ``bench.keras_io_workloads`` (a Conv1D
time-series classifier, a convolutional autoencoder, the Antirectifier custom layer), each
against its PyTorch twin from the same initial weights."""

from __future__ import annotations

from bench import keras_io_workloads as kw
from bench import workloads
from bench.harness import Pair, interleave

# Each side is timed over a run of consecutive steps after settling (see harness.interleave).
BLOCK = 4
SETTLE_S = 0.3
BATCHES = {"conv1d": 32, "autoencoder": 128, "antirectifier": 128}
NAMES = tuple(BATCHES)


def setup(name: str, batch: int, dropout: float = 0.5, epsilon: float = 1e-7):
    """(deepnum step, PyTorch step, model, FLOPs per step, label) of a workload; ``epsilon``
    is Adam's on both sides, ``dropout`` the Antirectifier MLP's rate."""
    import torch

    if name == "conv1d":
        x, y = kw.series_batch(batch)
        model = kw.deepnum_conv1d(epsilon)
        net, loss_fn = kw.torch_conv1d(model)
        xt = torch.from_numpy(x.transpose(0, 2, 1).copy())
        flops, label = kw.conv1d_flops(batch), "Conv1D time-series classifier"
    elif name == "autoencoder":
        x, y = kw.images_batch(batch)
        model = kw.deepnum_autoencoder(epsilon)
        net, loss_fn = kw.torch_autoencoder(model)
        xt = torch.from_numpy(x.transpose(0, 3, 1, 2).copy())
        flops, label = kw.autoencoder_flops(batch), "Conv2D/Conv2DTranspose autoencoder"
    elif name == "antirectifier":
        from bench.workloads import mnist_batch

        x, y = mnist_batch(batch, flat=True)
        model = kw.deepnum_antirectifier(dropout, epsilon)
        net, loss_fn = kw.torch_antirectifier(model, dropout)
        xt = torch.from_numpy(x)
        flops, label = kw.antirectifier_flops(batch), "Antirectifier (ops) MLP"
    else:
        raise ValueError(f"keras_io_suite.setup: unknown workload {name!r}; expected {NAMES}")
    yt = torch.from_numpy(y.transpose(0, 3, 1, 2).copy() if name == "autoencoder" else y)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, eps=epsilon)
    ref = workloads.torch_step(net, loss_fn, opt, xt, yt)
    label = f"{label} train step, batch {batch}"
    return (lambda: model.train_on_batch(x, y)), ref, model, flops, label


def keras_io_pairs(only: list[str], repeats: int) -> list[Pair]:
    """One pair per requested workload ("conv1d", "autoencoder", "antirectifier")."""
    pairs = []
    for name in NAMES:
        if name not in only:
            continue
        ours, ref, _, flops, label = setup(name, BATCHES[name])
        pairs.append(
            interleave(
                label,
                ours,
                ref,
                repeats=repeats,
                block=BLOCK,
                settle_s=SETTLE_S,
                samples_per_step=BATCHES[name],
                flops_per_step=flops,
            )  # fmt: skip
        )
    return pairs
