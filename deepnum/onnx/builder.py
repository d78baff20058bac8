"""A small builder for ONNX graphs: unique names, constant initializers, nodes, and the few
operators whose signature changed between opsets (reductions, Squeeze/Unsqueeze)."""

from __future__ import annotations

from typing import Any

import numpy as np


class GraphBuilder:
    """Collect the nodes and initializers of one ONNX graph.

    Args:
        onnx: the imported ``onnx`` module.
        opset: the ONNX opset version the graph targets (13 or later).
    """

    def __init__(self, onnx: Any, opset: int, float_dtype: Any = np.float32) -> None:
        self.onnx, self.opset = onnx, opset
        self.float_dtype = np.dtype(float_dtype)
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self._used: set[str] = set()

    def fresh(self, prefix: str) -> str:
        """A name not used yet in this graph, derived from ``prefix``."""
        base = "".join(c if c.isalnum() or c in "_./" else "_" for c in prefix) or "v"
        name, n = base, 0
        while name in self._used:
            n += 1
            name = f"{base}_{n}"
        self._used.add(name)
        return name

    def const(self, value: Any, prefix: str, dtype: Any = None) -> str:
        """Add ``value`` as an initializer (floats in the model's dtype); return its name."""
        array = np.asarray(value, dtype=dtype)
        if dtype is None and array.dtype.kind == "f":
            array = array.astype(self.float_dtype)  # every float constant in the model's dtype
        name = self.fresh(prefix)
        self.initializers.append(self.onnx.numpy_helper.from_array(array, name))
        return name

    def ints(self, values: Any, prefix: str) -> str:
        return self.const(np.asarray(list(values), dtype=np.int64), prefix)

    def op(self, op_type: str, inputs: list[str], prefix: str, n_out: int = 1, **attrs: Any) -> Any:
        """Add a node; return its output name (or the list of names when ``n_out > 1``)."""
        outputs = [self.fresh(f"{prefix}/{op_type}") for _ in range(n_out)]
        attrs = {k: v for k, v in attrs.items() if v is not None}
        self.nodes.append(
            self.onnx.helper.make_node(
                op_type, inputs, outputs, name=self.fresh(f"{prefix}/{op_type}_node"), **attrs
            )
        )
        return outputs[0] if n_out == 1 else outputs

    # ------------------------------------------------------------------ opset-dependent ops
    def reduce(self, op_type: str, x: str, axes: Any, keepdims: bool, prefix: str) -> str:
        """ReduceMean/Max/Min/Sum over ``axes`` (an attribute before opset 18, an input after;
        ReduceSum takes an input from opset 13)."""
        axes = [int(a) for a in axes]
        if op_type == "ReduceSum" or self.opset >= 18:
            return self.op(
                op_type, [x, self.ints(axes, f"{prefix}/axes")], prefix, keepdims=int(keepdims)
            )
        return self.op(op_type, [x], prefix, axes=axes, keepdims=int(keepdims))

    def squeeze(self, x: str, axes: Any, prefix: str) -> str:
        return self.op("Squeeze", [x, self.ints(axes, f"{prefix}/axes")], prefix)

    def unsqueeze(self, x: str, axes: Any, prefix: str) -> str:
        return self.op("Unsqueeze", [x, self.ints(axes, f"{prefix}/axes")], prefix)

    def transpose(self, x: str, perm: Any, prefix: str) -> str:
        return self.op("Transpose", [x], prefix, perm=[int(p) for p in perm])

    def reshape(self, x: str, shape: Any, prefix: str) -> str:
        return self.op("Reshape", [x, self.ints(shape, f"{prefix}/shape")], prefix)

    def slice(
        self, x: str, starts: Any, ends: Any, axes: Any, prefix: str, steps: Any = None
    ) -> str:
        inputs = [
            x,
            self.ints(starts, f"{prefix}/starts"),
            self.ints(ends, f"{prefix}/ends"),
            self.ints(axes, f"{prefix}/axes"),
        ]
        if steps is not None:
            inputs.append(self.ints(steps, f"{prefix}/steps"))
        return self.op("Slice", inputs, prefix)

    def scale(self, x: str, factor: float, prefix: str) -> str:
        return self.op("Mul", [x, self.const(factor, f"{prefix}/factor")], prefix)
