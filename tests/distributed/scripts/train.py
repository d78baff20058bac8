"""Train a small classifier data-parallel (or alone, as the reference) and save the results.

Run: ``mpiexec -n 2 python train.py OUT`` (batch_size per rank), or ``python train.py OUT
--ranks-emulated 2`` for the single-process reference with the global batch of 2 ranks.
Rank 0 starts from the weights a single process would draw; the others from other weights.
Each rank writes ``OUT/rank<r>.npz`` (final weights) and rank 0 ``OUT/history.json``.
"""

from __future__ import annotations

import argparse
import json
import os

import numpy as np

import deepnum as dn
from deepnum import distributed


def make_data(n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(42)
    x = rng.normal(size=(n, 5)).astype("float32")
    y = (x[:, 0] + x[:, 1] * x[:, 2] > 0).astype("int64") + (x[:, 3] > 1)
    return x, y


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--n", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--ranks-emulated", type=int, default=1)
    parser.add_argument("--compression", default=None)
    parser.add_argument("--optimizer", default="adam")
    parser.add_argument("--fail-rank", type=int, default=-1)
    parser.add_argument("--fail-epoch", type=int, default=1)
    parser.add_argument("--backup-dir", default=None)
    parser.add_argument("--verbose", type=int, default=0)
    args = parser.parse_args()

    distributed.init()
    rank = distributed.rank()
    # fit starts every rank from rank 0's weights.
    dn.utils.set_random_seed(0 if rank == 0 else 1000 + rank)
    x, y = make_data(args.n)
    model = dn.Sequential(
        [dn.Input((5,)), dn.layers.Dense(16, activation="tanh"), dn.layers.Dense(3)]
    )
    optimizer = {"adam": dn.optimizers.Adam(0.01), "sgd": dn.optimizers.SGD(0.1, momentum=0.9)}
    model.compile(
        optimizer=optimizer[args.optimizer],
        loss=dn.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    callbacks = []
    if args.fail_rank >= 0:
        # Fail at the second step of the epoch: the first step's all-reduce guarantees that
        # rank 0 has finished writing the previous epoch's backup.
        epoch_now = {}

        def fail(batch: int, logs: dict | None = None) -> None:
            if rank == args.fail_rank and epoch_now["epoch"] == args.fail_epoch and batch == 1:
                raise ValueError(f"injected failure in epoch {args.fail_epoch + 1}")

        callbacks.append(
            dn.callbacks.LambdaCallback(
                on_epoch_begin=lambda epoch, logs=None: epoch_now.update(epoch=epoch),
                on_train_batch_begin=fail,
            )
        )
    if args.backup_dir:
        callbacks.append(dn.callbacks.BackupAndRestore(args.backup_dir))
    split = int(0.75 * args.n)
    history = model.fit(
        x[:split],
        y[:split],
        batch_size=args.batch_size * args.ranks_emulated,
        epochs=args.epochs,
        validation_data=(x[split:], y[split:]),
        verbose=args.verbose,
        callbacks=callbacks,
        # After init(), fit is data-parallel by itself; DataParallel sets the options.
        distribution=distributed.DataParallel(args.compression) if args.compression else None,
    )
    os.makedirs(args.out, exist_ok=True)
    weights = model.get_weights()
    np.savez(os.path.join(args.out, f"rank{rank}.npz"), *weights)
    if rank == 0:
        with open(os.path.join(args.out, "history.json"), "w") as f:
            json.dump({"epoch": history.epoch, "history": history.history}, f)


if __name__ == "__main__":
    main()
