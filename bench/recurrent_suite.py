"""Training-step pairs of the recurrent workloads of ``bench.recurrent_workloads``: a ConvLSTM2D
next-frame model and an RNN over a user-defined cell, each against its PyTorch twin."""

from __future__ import annotations

from typing import Any

from bench import recurrent_workloads as rw
from bench import workloads
from bench.harness import Pair, interleave

# Each side is timed over a run of consecutive steps after settling (see harness.interleave).
BLOCK = 4
SETTLE_S = 0.3
BATCHES = {"convlstm": 8, "rnn_cell": 64}


def setup(name: str, batch: int) -> tuple[Any, Any, Any, float, str]:
    """(deepnum step, PyTorch step, model, FLOPs per step, label) of a workload."""
    import torch

    if name == "convlstm":
        x, y = rw.frames_batch(batch)
        model = rw.deepnum_convlstm()
        net, loss_fn = rw.torch_convlstm(model)
        xt, yt = rw.torch_frames(x), torch.from_numpy(y)
        flops = rw.convlstm_flops(batch)
        label = f"ConvLSTM2D next-frame train step, batch {batch}×{rw.FRAMES}×{rw.SIZE}²"
    else:
        x, y = rw.sequence_batch(batch)
        model = rw.deepnum_rnn_cell()
        net, loss_fn = rw.torch_rnn_cell(model)
        xt, yt = torch.from_numpy(x), torch.from_numpy(y)
        flops = rw.rnn_cell_flops(batch)
        label = f"RNN(custom cell) train step, batch {batch}×{rw.STEPS} steps"
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7)
    ref = workloads.torch_step(net, loss_fn, opt, xt, yt)
    return (lambda: model.train_on_batch(x, y)), ref, model, flops, label


def recurrent_pairs(only: list[str], repeats: int) -> list[Pair]:
    """One pair per requested workload ("convlstm", "rnn_cell")."""
    pairs = []
    for name in ("convlstm", "rnn_cell"):
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
