"""The benchmark suites: training steps, per-op overhead, inference, batch scaling, memory."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import numpy as np

from bench import jax_workloads, machine, tinygrad_workloads, workloads
from bench.harness import HEADER, Pair, interleave, markdown_table
from deepnum.backend import accel

# Timed steps per turn: each side is measured over a run of consecutive steps (its steady
# state), not right after the other framework's threads ran (see harness.interleave).
BLOCK = 4
SETTLE_S = 0.3  # untimed steps per turn, longer than OpenBLAS's and OpenMP's spin-waits


def _torch():
    import torch

    return torch


def training_pairs(
    name: str, repeats: int, batch: int, quick: bool, device: str = "cpu"
) -> list[Pair]:
    torch = _torch()
    if name == "mlp":
        x, y = workloads.mnist_batch(batch, flat=True)
        model = workloads.deepnum_mlp()
        net, loss_fn = workloads.torch_mlp(model)
        xt, yt = torch.from_numpy(x), torch.from_numpy(y)
        flops = workloads.mlp_flops(batch)
    elif name == "cnn":
        x, y = workloads.mnist_batch(batch)
        model = workloads.deepnum_cnn()
        net, loss_fn = workloads.torch_cnn(model)
        xt, yt = torch.from_numpy(x.transpose(0, 3, 1, 2).copy()), torch.from_numpy(y)
        flops = workloads.cnn_flops(batch)
    else:
        steps = 50 if quick else 200
        x, y = workloads.imdb_batch(batch, steps)
        model = workloads.deepnum_lstm(steps)
        net, loss_fn = workloads.torch_lstm(model)
        xt, yt = torch.from_numpy(x), torch.from_numpy(y)
        flops = workloads.lstm_flops(batch, steps)
    if device != "cpu":  # both sides keep weights and the batch on the GPU between steps
        from deepnum.backend import to_device

        model.to(device)
        x, y = to_device(x, device), to_device(y, device)
        net, xt, yt = net.to(device), xt.to(device), yt.to(device)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7)
    step = workloads.torch_step(net, loss_fn, opt, xt, yt)
    ref = step if device == "cpu" else (lambda: (step(), torch.cuda.synchronize()))
    ours = lambda: model.train_on_batch(x, y)  # noqa: E731
    label = f"{name.upper()} train step, batch {batch}" + (
        f" ({device})" if device != "cpu" else ""
    )

    def pair(suffix: str, a: Any, b: Any, ref_name: str = "PyTorch", **kw: Any) -> Pair:
        kw = {"repeats": repeats, "block": BLOCK, **kw}
        return interleave(
            label + suffix, a, b, settle_s=SETTLE_S, samples_per_step=batch,
            flops_per_step=flops, ref_name=ref_name, **kw,
        )  # fmt: skip

    pairs = [pair("", ours, ref)]
    if device != "cpu":
        return pairs
    if accel.enabled():  # numba is optional: deepnum without it too

        def plain():
            os.environ["DEEPNUM_NUMBA"] = "0"
            try:
                model.train_on_batch(x, y)
            finally:
                os.environ["DEEPNUM_NUMBA"] = "1"

        pairs.append(pair(" (deepnum without numba)", plain, ref))
    if jax_workloads.available():  # JAX jit, the same initial weights
        jax_step = jax_workloads.train_step(name, model, x, y)
        pairs.append(pair(" (against JAX jit)", ours, jax_step, "JAX"))
    # tinygrad: the MLP and the CNN. Its LSTM is a 200-step unrolled graph whose compilation
    # takes minutes (20 steps: ~1 minute to compile, then ~450 ms per step), so it is left out.
    if name != "lstm" and tinygrad_workloads.available():
        tiny_step = tinygrad_workloads.train_step(name, model, x, y)
        tiny_kw = {"warmup": 2, "repeats": max(3, repeats // 3), "block": 2}
        pairs.append(pair(" (against tinygrad)", ours, tiny_step, "tinygrad", **tiny_kw))
    if name == "lstm":

        def ref_ftz():
            torch.set_flush_denormal(True)
            try:
                ref()
            finally:  # the flag is per thread: it must not leak into deepnum's steps
                torch.set_flush_denormal(False)

        pairs.append(pair(" (PyTorch with flush_denormal)", ours, ref_ftz, "PyTorch+FTZ"))
    return pairs


def transformer_pairs(repeats: int, quick: bool) -> list[Pair]:
    """The Transformer encoder (bench/transformer.py), batch 32 of 128 tokens, against both
    PyTorch twins: F.scaled_dot_product_attention and nn.MultiheadAttention."""
    from bench import transformer

    torch = _torch()
    size, seq = 32, (64 if quick else transformer.SEQ)
    x, y = transformer.batch(size, seq)
    model = transformer.deepnum_model(seq)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    pairs = []
    for attention, label in (("sdpa", "F.scaled_dot_product_attention"), ("module", "nn.MHA")):
        net, loss_fn = transformer.torch_model(model, attention)
        opt = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7)
        ref = workloads.torch_step(net, loss_fn, opt, xt, yt)
        pairs.append(
            interleave(
                f"Transformer encoder train step, batch {size}×{seq} (PyTorch: {label})",
                lambda: model.train_on_batch(x, y),
                ref,
                repeats=repeats,
                block=BLOCK,
                settle_s=SETTLE_S,
                samples_per_step=size,
                flops_per_step=transformer.flops(size, seq),
            )
        )
    return pairs


def overhead_pairs(repeats: int) -> list[Pair]:
    import deepnum as dn

    torch = _torch()
    a, b = dn.tensor(np.ones(10, np.float32)), dn.tensor(np.ones(10, np.float32))
    ta, tb = torch.ones(10), torch.ones(10)
    op = interleave(
        "one op on 10 elements (add)",
        lambda: dn.ops.add(a, b),
        lambda: torch.add(ta, tb),
        repeats=repeats,
        inner=2000,
    )
    x = dn.tensor(np.ones(10, np.float32), requires_grad=True)
    w, c = dn.tensor(np.ones(10, np.float32)), dn.tensor(np.ones(10, np.float32))
    tx = torch.ones(10, requires_grad=True)
    tw, tc = torch.ones(10), torch.ones(10)

    def ours():
        (x * w + c).sum().backward()

    def ref():
        (tx * tw + tc).sum().backward()

    graph = interleave("forward + backward of a 3-op graph", ours, ref, repeats=repeats, inner=500)
    return [op, graph]


def predict_pair(repeats: int) -> Pair:
    torch = _torch()
    x, _ = workloads.mnist_batch(1024)
    model = workloads.deepnum_cnn()
    net, _ = workloads.torch_cnn(model)
    xt = torch.from_numpy(x.transpose(0, 3, 1, 2).copy())

    def ref():
        with torch.no_grad():
            return [net(xt[i : i + 256]) for i in range(0, 1024, 256)]

    return interleave(
        "CNN predict, 1024 samples (batch 256)",
        lambda: model.predict(x, batch_size=256, verbose=0),
        ref,
        repeats=max(3, repeats // 3),
        block=2,
        settle_s=SETTLE_S,
        samples_per_step=1024,
        flops_per_step=workloads.cnn_flops(1024) / 3,
    )


def fit_pair(repeats: int) -> Pair:
    torch = _torch()
    x, y = workloads.mnist_batch(60000)
    model = workloads.deepnum_cnn()
    net, loss_fn = workloads.torch_cnn(model)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7)
    xt = torch.from_numpy(x.transpose(0, 3, 1, 2).copy())
    yt = torch.from_numpy(y)

    def ref():
        order = torch.randperm(60000)
        for i in range(0, 60000, 64):
            idx = order[i : i + 64]
            workloads.torch_step(net, loss_fn, opt, xt[idx], yt[idx])()

    return interleave(
        "CNN fit, one epoch of 60,000 samples (batch 64)",
        lambda: model.fit(x, y, batch_size=64, epochs=1, verbose=0),
        ref,
        warmup=0,
        repeats=2,
        samples_per_step=60000,
        flops_per_step=workloads.cnn_flops(60000),
    )


def scaling(repeats: int) -> tuple[list[Pair], str | None]:
    pairs = [training_pairs("cnn", repeats, b, quick=True)[0] for b in (16, 32, 64, 128, 256, 512)]
    path = os.path.join(os.path.dirname(__file__), "..", "docs", "cnn_batch_scaling.png")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return pairs, None
    batches = [p.samples_per_step for p in pairs]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(batches, [p.samples_per_step / np.median(p.ours) for p in pairs], "o-", label="deepnum")
    ax.plot(batches, [p.samples_per_step / np.median(p.ref) for p in pairs], "s--", label="PyTorch")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("batch size")
    ax.set_ylabel("training samples / s")
    ax.set_title("CNN training throughput")
    ax.legend()
    ax.grid(alpha=0.3)
    fig.savefig(os.path.abspath(path), dpi=100, bbox_inches="tight")
    plt.close(fig)
    return pairs, "cnn_batch_scaling.png"


def memory(threads: int, workload: str = "cnn") -> list[list[str]]:
    rows = []
    sides = [("deepnum", "deepnum", "1"), ("deepnum without numba", "deepnum", "0")]
    for label, side, numba in sides + [("PyTorch", "torch", "1")]:
        out = subprocess.run(
            [sys.executable, "-m", "bench.memory", side, "20", str(threads), workload],
            capture_output=True,
            text=True,
            check=True,
            cwd=os.path.join(os.path.dirname(__file__), ".."),
            env=dict(os.environ, DEEPNUM_NUMBA=numba),
        )
        base, peak = (float(v) for v in out.stdout.split())
        rows.append([label, f"{base:.0f}", f"{peak:.0f}", f"{peak - base:.0f}"])
    return rows


def run(
    only: list[str], repeats: int, quick: bool, threads: int, device: str = "cpu"
) -> dict[str, Any]:
    sections: dict[str, Any] = {"pairs": [], "sgemm": machine.sgemm_gflops()}
    batches = {"mlp": 128, "cnn": 64, "lstm": 64}
    if device != "cpu":  # GPU runs use larger batches (issue: 512 / 256 / 128)
        batches = {"mlp": 512, "cnn": 256, "lstm": 128}
    for name in ("mlp", "cnn", "lstm"):
        if name in only:
            sections["pairs"] += training_pairs(name, repeats, batches[name], quick, device)
    if device != "cpu":
        return sections
    if "transformer" in only:
        sections["pairs"] += transformer_pairs(repeats, quick)
    if "convlstm" in only or "rnn_cell" in only:
        from bench.recurrent_suite import recurrent_pairs

        sections["pairs"] += recurrent_pairs(only, repeats)
    if any(name in only for name in ("conv1d", "autoencoder", "antirectifier")):
        from bench.keras_io_suite import keras_io_pairs

        sections["pairs"] += keras_io_pairs(only, repeats)
    if "overhead" in only:
        sections["pairs"] += overhead_pairs(repeats)
    if "predict" in only:
        sections["pairs"].append(predict_pair(repeats))
    if "fit" in only:
        sections["pairs"].append(fit_pair(repeats))
    if "text" in only:  # the reference, Keras's TextVectorization, runs on TensorFlow
        from bench import bench_text

        if bench_text.reference_available():
            sections["pairs"].append(bench_text.text_vectorization_pair(max(3, repeats // 3)))
        else:  # a row left out says so instead of vanishing from the report
            print("text row left out: " + bench_text.MISSING_REFERENCE, file=sys.stderr)
    if "scaling" in only:
        sections["scaling"], sections["scaling_plot"] = scaling(max(3, repeats // 2))
    if "memory" in only:
        sections["memory"] = memory(threads)
    if "memory" in only and "transformer" in only:
        sections["transformer_memory"] = memory(threads, "transformer")
    if "unsupervised" in only:
        from bench import bench_unsupervised

        sections["unsupervised"] = bench_unsupervised.run(quick=quick)
    if "images" in only:  # input pipeline: image_dataset_from_directory against Keras
        from bench import bench_data

        sections["pairs"] += bench_data.image_dataset_pairs(max(3, repeats // 3))
    if "augment" in only:  # RandomFlip + RandomRotation + RandomZoom against Keras (PyTorch)
        from bench import bench_augment

        sections["pairs"].append(bench_augment.augment_pair(max(3, repeats // 5)))
    if "transforms" in only:  # vmap(grad) and hessian against torch.func
        from bench import bench_transforms

        sections["pairs"] += bench_transforms.transform_pairs(max(3, repeats // 3))
    if "applications" in only:  # ResNet50 / MobileNetV2 predict and frozen-base step
        from bench import bench_applications

        sections["pairs"] += bench_applications.application_pairs(max(3, repeats // 5), quick)
    return sections


def render(sections: dict[str, Any], threads: int, seconds: float) -> str:
    info = machine.describe()
    lines = [
        "# Performance",
        "",
        "Generated by `python -m bench --write` (also `deepnum bench`). deepnum is timed "
        "through its public API (`train_on_batch`, `fit`, `predict`), PyTorch through an "
        "idiomatic eager loop (zero_grad, forward, loss, backward, step); runs are "
        "interleaved in turns after a warm-up (A A A A B B B B A A A A …: each training turn "
        f"runs {SETTLE_S} s of untimed steps, then takes the median of {BLOCK} timed ones, so "
        "each framework is measured in its steady state, after the other's BLAS/OpenMP "
        "threads have stopped spinning), and **ratio** is the median of the per-turn ratios "
        "deepnum / PyTorch (below 1: deepnum is faster).",
        "",
        "## Machine",
        "",
    ]
    lines += [f"- {k}: {v}" for k, v in info.items()]
    lines += [
        f"- threads per framework: {threads}",
        f"- measured float32 GEMM (the physical limit): {sections['sgemm']:.0f} GFLOP/s",
        f"- benchmark wall time: {seconds:.0f} s",
        "",
    ]
    if sections["pairs"]:
        lines += [
            "## Workloads",
            "",
            markdown_table(HEADER, [p.row() for p in sections["pairs"]]),
            "",
        ]
    if sections.get("scaling"):
        lines += [
            "## CNN batch-size scaling",
            "",
            markdown_table(HEADER, [p.row() for p in sections["scaling"]]),
            "",
        ]
        if sections.get("scaling_plot"):
            lines += [f"![CNN throughput against batch size]({sections['scaling_plot']})", ""]
    if sections.get("memory"):
        lines += [
            "## Peak memory while training the CNN (batch 64, 20 steps)",
            "",
            markdown_table(
                [
                    "framework",
                    "RSS after set-up (MB)",
                    "peak RSS (MB)",
                    "growth while training (MB)",
                ],
                sections["memory"],
            ),
            "",
        ]
    if sections.get("transformer_memory"):
        lines += [
            "## Peak memory while training the Transformer encoder (batch 32×128, 20 steps)",
            "",
            markdown_table(
                [
                    "framework",
                    "RSS after set-up (MB)",
                    "peak RSS (MB)",
                    "growth while training (MB)",
                ],
                sections["transformer_memory"],
            ),
            "",
        ]
    if sections.get("unsupervised"):
        rows = [
            [
                r["case"],
                f"{r['deepnum_s'] * 1e3:.0f}",
                f"{r['sklearn_s'] * 1e3:.0f}",
                f"{r['ratio']:.2f}",
            ]
            for r in sections["unsupervised"]
        ]
        lines += [
            "## Unsupervised learning against scikit-learn",
            "",
            markdown_table(["workload", "deepnum ms", "scikit-learn ms", "ratio"], rows),
            "",
        ]
    lines += [
        "## Notes",
        "",
        "- numba, SciPy and threadpoolctl are dependencies of deepnum (`pip install deepnum` "
        "is the fast install): numba compiles the LSTM's time loop, max pooling, col2im, the "
        "embedding gradient, ReLU's backward, the exact GELU and Adam "
        "(`deepnum.backend.accel`; `deepnum info` lists each fast path). Rows marked 'deepnum "
        "without numba' run the same step with `DEEPNUM_NUMBA=0`, i.e. the NumPy fallback.",
        "- keras.io rows: the Conv1D classifier of 'Timeseries classification from scratch' "
        "(500×1 series), the 'Convolutional autoencoder' (Conv2D/Conv2DTranspose, 28×28) and the "
        "'Antirectifier' custom layer written with `ops` (the generic op path) in the "
        "example's MLP, each trained with Adam against a PyTorch twin holding the same weights "
        "(`bench/keras_io_workloads.py`).",
        "- The machine block names the CPU model, its vector extensions (AVX2 / AVX-512 / AMX, "
        "from /proc/cpuinfo) and each BLAS library with the kernel it chose and its threads "
        "(threadpoolctl), so that tables from different CPUs are never confused; `deepnum info` "
        "prints the same, plus each fast path on or off with the reason.",
        "- Allocator: deepnum raises glibc's mmap and trim thresholds on import "
        "(`deepnum.backend.memory`) so that each step reuses the previous step's freed "
        "blocks instead of page-faulting fresh ones. Both frameworks run in one process, so "
        "PyTorch's steps get the same allocator settings.",
        "- Denormals: long LSTM backward passes can drive gradients into the subnormal range, "
        "where BLAS and ufuncs slow down by up to 100×. deepnum's fused recurrent backward "
        "flushes values below the smallest normal float to zero in the carried state gradients "
        "(`deepnum.ops.nn._recurrent_scan.FLUSH_DENORMALS`, on by default) — what the CPU's "
        "flush-to-zero mode does, without changing the process-wide FPU flags that other "
        "threads and libraries share. Results change by at most ~1e-38. The LSTM row against "
        "PyTorch with `torch.set_flush_denormal(True)` shows the reference without that trap.",
        "- Peak memory is measured in separate processes, one per framework; 'growth' is the "
        "high-water mark during 20 training steps minus the resident size after set-up.",
        "- Timings on a shared machine are noisy: read the ratios (interleaved pairs), not the "
        "absolute times.",
        "- JAX rows (present when JAX is installed) time a jit-compiled step with the same "
        "initial weights and Keras's Adam; XLA's CPU thread pool stays busy between its steps, "
        "so deepnum's interleaved times in those rows run slower than in the PyTorch rows.",
        "- tinygrad rows (present when tinygrad is installed and its CPU device can compile "
        "with clang) time a TinyJit step with the same initial weights and tinygrad's Adam; "
        "its LSTM is left out (compiling the 200-step unrolled graph takes minutes).",
        "",
    ]
    return "\n".join(lines) + "\n"
