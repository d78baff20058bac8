"""DistributedOptimizer: average the gradients over all ranks, then let any optimizer update.

Data parallelism keeps a full copy of the model on every rank; each rank computes the gradient
of its own shard of the batch, and before every update the gradients are averaged,

    g = Σ_r w_r · g_r,   w_r = (samples on rank r) / (samples in the global batch),

so every rank applies the same update and the weights stay identical — the update that one
process would make on the whole global batch (``w_r = 1/size`` when the shards are equal).

How (as in Horovod): the gradients are packed, already multiplied by ``w_r``, into ONE flat
contiguous buffer (float32 for float32 models), cut into buckets of ``bucket_bytes``; each
bucket's non-blocking ``Iallreduce`` (sum, in place with ``MPI.IN_PLACE``) starts as soon as
the bucket is packed, so packing later buckets overlaps the communication of earlier ones. With
``compression="fp16"`` each bucket travels as float16 (half the bytes) and is widened back.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from deepnum.autodiff.tensor import Tensor
from deepnum.backend import device_of, to_device, to_numpy
from deepnum.distributed import runtime

_COMPRESSIONS = (None, "none", "fp16")


class Compression:
    """Horovod's names for the gradient compressions: ``Compression.fp16`` sends float16."""

    none = None
    fp16 = "fp16"


class GradientReducer:
    """Weighted sum of gradient arrays over all ranks through one flat buffer, in buckets.

    Args:
        compression: ``None`` or ``"fp16"`` (send float16, accumulate in float16).
        bucket_bytes: bytes of the float32 buffer per ``Iallreduce`` (default 4 MiB).

    Example:
        >>> import numpy as np
        >>> reducer = GradientReducer()
        >>> reducer.reduce([np.ones(2, "float32"), None], weight=0.5)  # one process
        [array([0.5, 0.5], dtype=float32), None]
    """

    def __init__(self, compression: str | None = None, bucket_bytes: int = 4 << 20) -> None:
        if compression not in _COMPRESSIONS:
            raise ValueError(
                f"DistributedOptimizer: compression must be None or 'fp16', received "
                f"{compression!r}."
            )
        if not isinstance(bucket_bytes, (int, np.integer)) or bucket_bytes < 1024:
            raise ValueError(
                f"DistributedOptimizer: bucket_bytes must be an integer >= 1024, received "
                f"{bucket_bytes!r}."
            )
        self.compression = None if compression == "none" else compression
        self.bucket_bytes = int(bucket_bytes)
        self._key: tuple | None = None
        self._buffer: np.ndarray | None = None
        self._half: np.ndarray | None = None

    def _layout(self, arrays: list[Any]) -> tuple[np.ndarray, list[int], list[tuple[int, int]]]:
        """The flat buffer, the offset of each array and the bucket ranges (cached per shape)."""
        dtype = np.result_type(np.float32, *(a.dtype for a in arrays))
        key = (dtype, tuple(a.shape for a in arrays))
        if key != self._key:
            offsets = np.cumsum([0] + [a.size for a in arrays]).tolist()
            self._buffer = np.empty(offsets[-1], dtype=dtype)
            self._half = np.empty(offsets[-1], np.float16) if self.compression else None
            per_bucket = max(self.bucket_bytes // 4, 1)
            self._buckets = [
                (lo, min(lo + per_bucket, offsets[-1])) for lo in range(0, offsets[-1], per_bucket)
            ]
            self._offsets, self._key = offsets, key
        return self._buffer, self._offsets, self._buckets

    def reduce(self, grads: Sequence[Any], weight: float) -> list[Any]:
        """Return ``Σ_r weight_r · grads_r`` over the ranks, one array per gradient.

        Args:
            grads: arrays (NumPy or CuPy) or Tensors; ``None`` entries are passed through and
                must be ``None`` on every rank.
            weight: this rank's ``w_r`` (the weights of all ranks should sum to 1).

        Returns:
            The reduced gradients, as views of the flat buffer (moved back to the device of
            each gradient), ``None`` where the input was ``None``.
        """
        arrays = [g.data if isinstance(g, Tensor) else g for g in grads]
        present = [a for a in arrays if a is not None]
        if runtime.size() == 1 or not present:
            return [a if a is None or weight == 1.0 else a * weight for a in arrays]
        buffer, offsets, buckets = self._layout(present)
        requests, next_bucket = [], 0
        for i, a in enumerate(present):
            np.multiply(to_numpy(a).reshape(-1), weight, out=buffer[offsets[i] : offsets[i + 1]])
            while next_bucket < len(buckets) and buckets[next_bucket][1] <= offsets[i + 1]:
                requests.append(self._start(*buckets[next_bucket]))
                next_bucket += 1
        self._finish(requests, buckets)
        out, k = [], 0
        for a in arrays:
            if a is None:
                out.append(None)
                continue
            view = buffer[offsets[k] : offsets[k + 1]].reshape(a.shape)
            out.append(view if isinstance(a, np.ndarray) else to_device(view, device_of(a)))
            k += 1
        return out

    def _start(self, lo: int, hi: int) -> Any:
        from mpi4py import MPI

        comm = runtime.communicator()
        if self.compression == "fp16":
            half = self._half[lo:hi]
            half[...] = self._buffer[lo:hi]
            return comm.Iallreduce(MPI.IN_PLACE, [half, _float16_type()], op=_float16_sum())
        return comm.Iallreduce(MPI.IN_PLACE, self._buffer[lo:hi], op=MPI.SUM)

    def _finish(self, requests: list[Any], buckets: list[tuple[int, int]]) -> None:
        from mpi4py import MPI

        MPI.Request.Waitall(requests)
        if self.compression == "fp16":
            for lo, hi in buckets:
                self._buffer[lo:hi] = self._half[lo:hi]


# ---------------------------------------------------------------------------- float16 on MPI
_FP16: dict[str, Any] = {}


def _float16_type() -> Any:
    """MPI's float16 type when the library has one (MPICH: ``MPIX_C_FLOAT16``), else 2 bytes."""
    from mpi4py import MPI

    if "type" not in _FP16:
        native = getattr(MPI, "FLOAT16_T", MPI.DATATYPE_NULL)
        _FP16["type"] = native if native != MPI.DATATYPE_NULL else MPI.INT16_T
    return _FP16["type"]


def _add_float16(inbuf: Any, outbuf: Any, datatype: Any) -> None:
    out = np.frombuffer(outbuf, dtype=np.float16)
    out += np.frombuffer(inbuf, dtype=np.float16)


def _float16_sum() -> Any:
    """``MPI.SUM`` on a native float16 type; otherwise a user-defined float16 addition."""
    from mpi4py import MPI

    if "op" not in _FP16:
        native = _float16_type() is not MPI.INT16_T
        _FP16["op"] = MPI.SUM if native else MPI.Op.Create(_add_float16, commute=True)
    return _FP16["op"]


# ---------------------------------------------------------------------------- the optimizer
class DistributedOptimizer:
    """Wrap any deepnum optimizer so that each update uses the gradients averaged over ranks.

    Every call of :meth:`apply` / :meth:`apply_gradients` first reduces the gradients with a
    :class:`GradientReducer` (see the module docstring), then calls the wrapped optimizer with
    the result. Everything else — ``variables``, ``learning_rate`` (read and set),
    ``iterations``, ``build``, ``get_config`` and any other attribute — is the wrapped
    optimizer's. In a single process it is the wrapped optimizer.

    The learning rate is not changed: with ``size()`` ranks the global batch is ``size()``
    times larger, and the usual recipe (Goyal et al., 2017) is to scale the learning rate by
    ``size()`` yourself, e.g. ``Adam(1e-3 * distributed.size())``.

    Args:
        optimizer: an Optimizer (or a name such as ``"adam"``).
        compression: ``None`` or ``"fp16"``: send the gradients as float16.
        bucket_bytes: bytes per all-reduce bucket (default 4 MiB).

    Attributes:
        optimizer: the wrapped optimizer.
        local_weight: ``w_r``, this rank's share of the global batch (``None``: ``1/size()``);
            ``fit`` sets it per step when the shards of the last batch are uneven.

    Example:
        >>> import deepnum as dn
        >>> from deepnum import distributed
        >>> w = dn.Variable([1.0, 2.0])
        >>> opt = distributed.DistributedOptimizer(dn.optimizers.SGD(learning_rate=0.5))
        >>> _ = opt.apply_gradients([(dn.tensor([1.0, -1.0]), w)])
        >>> w.numpy().tolist(), float(opt.learning_rate)
        ([0.5, 2.5], 0.5)
    """

    def __init__(
        self, optimizer: Any, compression: str | None = None, bucket_bytes: int = 4 << 20
    ) -> None:
        from deepnum import optimizers

        if isinstance(optimizer, DistributedOptimizer):
            optimizer = optimizer.optimizer
        self.__dict__["optimizer"] = optimizers.get(optimizer)
        self.__dict__["reducer"] = GradientReducer(compression, bucket_bytes)
        self.__dict__["local_weight"] = None

    def apply(self, grads: Sequence[Any], trainable_variables: Sequence[Any] | None = None):
        """Average ``grads`` over the ranks, then ``optimizer.apply`` them (same arguments)."""
        grads = list(grads)
        weight = self.local_weight if self.local_weight is not None else 1.0 / runtime.size()
        return self.optimizer.apply(self.reducer.reduce(grads, weight), trainable_variables)

    def apply_gradients(self, grads_and_vars: Iterable[tuple[Any, Any]]) -> Any:
        """Apply ``(gradient, variable)`` pairs after averaging; returns ``iterations``."""
        grads, variables = zip(*grads_and_vars)
        self.apply(list(grads), list(variables))
        return self.optimizer._iterations

    @property
    def learning_rate(self) -> Any:
        return self.optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value: Any) -> None:
        self.optimizer.learning_rate = value

    @property
    def variables(self) -> list[Any]:
        return self.optimizer.variables

    @property
    def iterations(self) -> Any:
        return self.optimizer.iterations

    def __getattr__(self, name: str) -> Any:
        return getattr(self.__dict__["optimizer"], name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self.__dict__ or isinstance(getattr(type(self), name, None), property):
            object.__setattr__(self, name, value)
        else:
            setattr(self.optimizer, name, value)

    def __repr__(self) -> str:
        return f"<DistributedOptimizer of {self.optimizer!r}>"
