"""Check the building blocks under MPI; rank 0 writes ``OUT/results.json``: name -> value.

Run: ``mpiexec -n 2 python collectives.py OUT``.
"""

from __future__ import annotations

import json
import os
import sys

import numpy as np

import deepnum as dn
from deepnum import distributed
from deepnum.distributed import optimizer as dist_optimizer


def identical_on_all_ranks(arrays: list[np.ndarray]) -> bool:
    mine = np.concatenate([np.asarray(a, dtype=np.float64).ravel() for a in arrays])
    everyone = distributed.allgather(mine)
    return bool((everyone == everyone[0]).all())


def check_broadcast_callback(results: dict) -> None:
    dn.utils.set_random_seed(distributed.rank())  # a different start on every rank
    model = dn.Sequential([dn.Input((4,)), dn.layers.Dense(3), dn.layers.Dense(2)])
    model.compile(optimizer=dn.optimizers.Adam(0.01), loss="mse")
    results["weights_differ_before"] = not identical_on_all_ranks(model.get_weights())
    if distributed.rank() == 1:  # as if rank 1 alone had restored a checkpoint
        model.optimizer.build(model.trainable_weights)
        for v in model.optimizer.variables:
            v.assign(np.full(v.shape, 7, dtype=v.dtype))
    callback = distributed.BroadcastGlobalVariablesCallback(0)
    callback.set_model(model)
    callback.on_train_begin()
    results["weights_identical_after_train_begin"] = identical_on_all_ranks(model.get_weights())
    callback.on_train_batch_begin(0)
    state = [v.numpy() for v in model.optimizer.variables]
    results["optimizer_state_identical"] = identical_on_all_ranks(state)
    results["optimizer_iterations"] = int(model.optimizer.iterations)


def check_distributed_optimizer(results: dict) -> None:
    w = dn.Variable(np.array([1.0, 2.0], dtype="float32"))
    opt = distributed.DistributedOptimizer(dn.optimizers.SGD(learning_rate=0.5))
    grad = np.full(2, distributed.rank() + 1.0, dtype="float32")  # mean over ranks: (size+1)/2
    opt.apply_gradients([(dn.tensor(grad), w)])
    results["custom_loop_weights"] = w.numpy().tolist()
    opt.learning_rate = 0.25
    results["learning_rate_forwarded"] = float(opt.optimizer.learning_rate)
    results["iterations"] = int(opt.iterations)


def random_grads(seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.normal(size=s).astype("float32") for s in [(40, 30), (30,), (30, 50), (50,), (7,)]]


def check_reducer(results: dict, compression: str | None, name: str) -> None:
    size = distributed.size()
    every_rank = [random_grads(r) for r in range(size)]
    exact = [sum(g[i].astype(np.float64) for g in every_rank) / size for i in range(5)]
    reducer = distributed.GradientReducer(compression=compression, bucket_bytes=4096)
    grads = random_grads(distributed.rank())
    grads.insert(2, None)
    reduced = reducer.reduce(grads, weight=1.0 / size)
    results[f"{name}_none_kept"] = reduced[2] is None
    reduced = [g for g in reduced if g is not None]
    results[f"{name}_identical"] = identical_on_all_ranks(reduced)
    results[f"{name}_max_error"] = max(float(np.abs(g - e).max()) for g, e in zip(reduced, exact))
    results[f"{name}_buckets"] = len(getattr(reducer, "_buckets", []))  # none in one process


def check_fp16_user_op(results: dict) -> None:
    """The portable path: float16 summed by a user-defined MPI op on 2-byte elements."""
    from mpi4py import MPI

    saved = dict(dist_optimizer._FP16)
    dist_optimizer._FP16.clear()
    dist_optimizer._FP16.update(
        type=MPI.INT16_T, op=MPI.Op.Create(dist_optimizer._add_float16, commute=True)
    )
    check_reducer(results, "fp16", "fp16_user_op")
    dist_optimizer._FP16.clear()
    dist_optimizer._FP16.update(saved)


def check_fit_inputs(results: dict) -> None:
    """Shards made by the user go through a Dataset; unequal arrays are refused on all ranks."""
    dn.utils.set_random_seed(0)
    model = dn.Sequential([dn.Input((2,)), dn.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.arange(40, dtype="float32").reshape(20, 2) / 40
    x_local = distributed.shard(x)  # 7, 7, 6 samples: 2, 2 and 1 batches of 4
    dataset = dn.data.Dataset.from_tensor_slices((x_local, x_local[:, :1])).batch(4)
    history = model.fit(dataset, epochs=2, verbose=0)
    results["dataset_epochs"] = len(history.history["loss"])
    results["dataset_weights_identical"] = identical_on_all_ranks(model.get_weights())
    try:
        model.fit(x[: 10 + distributed.rank()], x[: 10 + distributed.rank(), :1], verbose=0)
        results["unequal_arrays_error"] = distributed.size() == 1
    except ValueError as e:
        results["unequal_arrays_error"] = "same full arrays" in str(e)


def main() -> None:
    out = sys.argv[1]
    distributed.init()
    results: dict = {
        "size": distributed.size(),
        "rank_list": distributed.allgather_object(distributed.rank()),
    }
    check_broadcast_callback(results)
    check_distributed_optimizer(results)
    check_fit_inputs(results)
    check_reducer(results, None, "exact")
    check_reducer(results, "fp16", "fp16")
    if distributed.size() > 1:
        check_fp16_user_op(results)
    logs = {"loss": float(distributed.rank()), "name": "kept"}
    distributed.MetricAverageCallback().on_epoch_end(0, logs)
    results["averaged_logs"] = logs
    shards = distributed.allgather_object(distributed.shard(np.arange(10)).tolist())
    results["shards"] = shards
    if distributed.rank() == 0:
        os.makedirs(out, exist_ok=True)
        with open(os.path.join(out, "results.json"), "w") as f:
            json.dump(results, f)


if __name__ == "__main__":
    main()
