"""ONNX export (``pip install deepnum[onnx]``): run deepnum models in onnxruntime, TensorRT,
OpenVINO, browsers, ...

Supported: Sequential and Functional models (nested ones are inlined) made of Dense,
Conv1D/2D/3D (also depthwise, separable and transposed), pooling (max, average, global; 1-D to
3-D), Flatten, Reshape, Permute, RepeatVector, padding, cropping, up-sampling,
BatchNormalization (inference), LayerNormalization, GroupNormalization, RMSNormalization,
UnitNormalization, SpectralNormalization (its wrapped layer), Pipeline, Dropout and the noise
layers (identity), activations and activation layers, Embedding, SimpleRNN/LSTM/GRU,
Bidirectional, TimeDistributed, the merging layers, EinsumDense, MultiHeadAttention and
GroupQueryAttention (self or cross attention, causal or sliding-window masks, the attention
scores as a second output). From opset 17 LayerNormalization is ONNX's LayerNormalization
operator, from opset 20 the GELU is ONNX's Gelu. Any other layer raises
``UnsupportedLayerError`` naming it.

Example:
    >>> import os, tempfile, numpy as np, deepnum as dn
    >>> model = dn.Sequential([dn.Input((4,)), dn.layers.Dense(3, activation="relu")])
    >>> path = os.path.join(tempfile.mkdtemp(), "model.onnx")
    >>> from deepnum.onnx import export
    >>> proto = export(model, path, opset=17)
    >>> len(proto.graph.input), proto.opset_import[0].version
    (1, 17)
"""

from __future__ import annotations

from typing import Any

from deepnum.onnx.core_ops import UnsupportedLayerError


def import_onnx() -> Any:
    """Import the ``onnx`` package, or explain how to install it."""
    try:
        import onnx
    except ImportError as e:
        raise ImportError(
            "ONNX export needs the onnx package: pip install deepnum[onnx] (or pip install onnx)."
        ) from e
    return onnx


def export(model: Any, filepath: Any, opset: int = 17) -> Any:
    """Export a Sequential or Functional model to ``filepath`` in ONNX format.

    The graph keeps Keras's layouts (channels last; convolutions are wrapped in transposes),
    inputs are named after the model's input layers with a symbolic batch axis, and the model
    is verified with ``onnx.checker`` before the file is written (atomically).

    Args:
        model: a built Sequential or Functional model.
        filepath: where to write the ``.onnx`` file.
        opset: the ONNX opset version, 13 to 21 (default 17).

    Returns:
        The ``onnx.ModelProto`` written.

    Raises:
        UnsupportedLayerError: naming the first layer (or option) that cannot be exported.
    """
    from deepnum.onnx.exporter import export as _export

    return _export(model, filepath, opset=opset)


__all__ = ["UnsupportedLayerError", "export", "import_onnx"]
