"""Peak resident memory of training the CNN (or the Transformer encoder), one framework per
process.

``python -m bench.memory deepnum 20 [threads] [cnn|transformer]`` prints: baseline MB (after
imports, model build and one step), peak MB during 20 more training steps (CNN: batch 64;
Transformer: batch 32 of 128 tokens, against the F.scaled_dot_product_attention twin).
``DEEPNUM_NUMBA=0`` in the environment measures deepnum without numba (whose LLVM is part of
the resident size).
"""

from __future__ import annotations

import sys


def _status_mb(field: str) -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    side, steps = sys.argv[1], int(sys.argv[2])
    from bench import machine, workloads

    # The deepnum process never imports PyTorch (its libraries alone are ~250 MB resident).
    machine.set_threads(int(sys.argv[3]) if len(sys.argv) > 3 else 2, torch=side == "torch")
    transformer = len(sys.argv) > 4 and sys.argv[4] == "transformer"
    if transformer:
        from bench import transformer as encoder

        x, y = encoder.batch(32)
        model = encoder.deepnum_model()
    else:
        x, y = workloads.mnist_batch(64)
        model = workloads.deepnum_cnn()
    if side == "deepnum":
        step = lambda: model.train_on_batch(x, y)  # noqa: E731
    else:
        import torch

        if transformer:
            net, loss_fn = encoder.torch_model(model)
            xt = torch.from_numpy(x)
        else:
            net, loss_fn = workloads.torch_cnn(model)
            xt = torch.from_numpy(x.transpose(0, 3, 1, 2).copy())
        del model
        opt = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7)
        step = workloads.torch_step(net, loss_fn, opt, xt, torch.from_numpy(y))
    step()
    baseline = _status_mb("VmRSS")
    with open("/proc/self/clear_refs", "w") as f:  # reset the high-water mark (VmHWM)
        f.write("5")
    for _ in range(steps):
        step()
    print(f"{baseline:.1f} {_status_mb('VmHWM'):.1f}")


if __name__ == "__main__":
    main()
