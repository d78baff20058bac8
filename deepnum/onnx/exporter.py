"""Export a Sequential or Functional model to an ONNX file: walk its graph in execution order,
convert each layer with the converter registered for its class, check the result with
``onnx.checker`` and write it atomically."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from deepnum.onnx import attention_ops, conv_ops, core_ops, norm_ops, rnn_ops
from deepnum.onnx.builder import GraphBuilder
from deepnum.onnx.core_ops import UnsupportedLayerError
from deepnum.utils.io import atomic_write

MIN_OPSET, MAX_OPSET = 13, 21


def _converters() -> dict[type, Any]:
    from deepnum import layers as L

    table = {
        L.Dense: core_ops.dense, L.Activation: core_ops.activation_layer,
        L.Embedding: core_ops.embedding, L.BatchNormalization: core_ops.batch_normalization,
        L.LayerNormalization: core_ops.layer_normalization,
        L.ReLU: core_ops.relu_layer, L.LeakyReLU: core_ops.leaky_relu, L.ELU: core_ops.elu,
        L.PReLU: core_ops.prelu, L.Softmax: core_ops.softmax,
        L.Flatten: core_ops.flatten, L.Reshape: core_ops.reshape, L.Permute: core_ops.permute,
        L.RepeatVector: core_ops.repeat_vector,
        L.Add: core_ops.add, L.Subtract: core_ops.subtract, L.Multiply: core_ops.multiply,
        L.Average: core_ops.average, L.Maximum: core_ops.maximum, L.Minimum: core_ops.minimum,
        L.Concatenate: core_ops.concatenate, L.Dot: core_ops.dot,
        L.Conv1D: conv_ops.conv, L.Conv2D: conv_ops.conv,
        L.DepthwiseConv1D: conv_ops.depthwise_conv, L.DepthwiseConv2D: conv_ops.depthwise_conv,
        L.SeparableConv1D: conv_ops.separable_conv, L.SeparableConv2D: conv_ops.separable_conv,
        L.Conv1DTranspose: conv_ops.conv_transpose, L.Conv2DTranspose: conv_ops.conv_transpose,
        L.MaxPooling1D: conv_ops.pooling, L.MaxPooling2D: conv_ops.pooling,
        L.AveragePooling1D: conv_ops.pooling, L.AveragePooling2D: conv_ops.pooling,
        L.GlobalMaxPooling1D: conv_ops.global_pooling,
        L.GlobalMaxPooling2D: conv_ops.global_pooling,
        L.GlobalAveragePooling1D: conv_ops.global_pooling,
        L.GlobalAveragePooling2D: conv_ops.global_pooling,
        L.ZeroPadding1D: conv_ops.zero_padding, L.ZeroPadding2D: conv_ops.zero_padding,
        L.Cropping1D: conv_ops.cropping, L.Cropping2D: conv_ops.cropping,
        L.UpSampling1D: conv_ops.up_sampling, L.UpSampling2D: conv_ops.up_sampling,
        L.SimpleRNN: rnn_ops.recurrent, L.LSTM: rnn_ops.recurrent, L.GRU: rnn_ops.recurrent,
        L.RNN: rnn_ops.recurrent,
        L.Bidirectional: rnn_ops.bidirectional, L.TimeDistributed: rnn_ops.time_distributed,
        L.Conv3D: conv_ops.conv, L.Conv3DTranspose: conv_ops.conv_transpose,
        L.MaxPooling3D: conv_ops.pooling, L.AveragePooling3D: conv_ops.pooling,
        L.GlobalMaxPooling3D: conv_ops.global_pooling,
        L.GlobalAveragePooling3D: conv_ops.global_pooling,
        L.ZeroPadding3D: conv_ops.zero_padding, L.Cropping3D: conv_ops.cropping,
        L.UpSampling3D: conv_ops.up_sampling,
        L.GroupNormalization: norm_ops.group_normalization,
        L.RMSNormalization: norm_ops.rms_normalization,
        L.UnitNormalization: norm_ops.unit_normalization,
        L.SpectralNormalization: norm_ops.spectral_normalization, L.Pipeline: norm_ops.pipeline,
        L.EinsumDense: attention_ops.einsum_dense,
        L.MultiHeadAttention: attention_ops.multi_head_attention,
        L.GroupQueryAttention: attention_ops.grouped_query_attention,
    }  # fmt: skip
    for identity in (
        L.Dropout,
        L.SpatialDropout1D,
        L.SpatialDropout2D,
        L.SpatialDropout3D,
        L.Identity,
        L.GaussianNoise,
        L.GaussianDropout,
        L.AlphaDropout,
        L.ActivityRegularization,
    ):
        table[identity] = core_ops.identity
    return table


def supported_layers() -> list[str]:
    """Names of the layer classes the exporter converts."""
    return sorted(cls.__name__ for cls in _converters())


# Converters that also read the call's keyword options (use_causal_mask, ...).
_WITH_CALL_OPTIONS = {attention_ops.multi_head_attention, attention_ops.grouped_query_attention}


def convert_layer(
    b: GraphBuilder,
    layer: Any,
    xs: list[str],
    shapes: list,
    prefix: str,
    call_options: dict | None = None,
) -> list:
    """Convert one layer (a nested model is inlined); returns its output names.
    ``call_options``: the call's keyword arguments (no tensors)."""
    from deepnum.models.model import Model

    if isinstance(layer, Model):
        return _convert_graph(b, _graph_of(layer), xs, prefix)
    converter = _converters().get(type(layer))
    if converter is None:
        raise UnsupportedLayerError(
            f'ONNX export: layer "{prefix}" ({type(layer).__name__}) is not supported. '
            f"Supported layers: {', '.join(supported_layers())}."
        )
    if converter in _WITH_CALL_OPTIONS:
        return converter(b, layer, xs, shapes, prefix, call_options or {})
    return converter(b, layer, xs, shapes, prefix)


def _graph_of(model: Any) -> Any:
    graph = getattr(model, "_graph", None)
    if graph is None:
        raise UnsupportedLayerError(
            f'ONNX export: model "{model.name}" has no layer graph: export a Sequential (built, '
            "e.g. with an Input) or a Functional model; subclassed models are not supported."
        )
    return graph


def _flat_tensors(node: Any) -> list:
    from deepnum.models.functional import KerasTensor, _flatten

    if any(isinstance(v, KerasTensor) for v in _flatten(node.kwargs)):
        keys = [k for k, v in node.kwargs.items() if isinstance(v, KerasTensor)]
        raise UnsupportedLayerError(
            f'ONNX export: layer "{node.layer.name}" receives tensors as {keys}; masks and '
            "extra tensor arguments are not exported."
        )
    return [t for t in _flatten(node.args) if isinstance(t, KerasTensor)]


def _convert_graph(b: GraphBuilder, graph: Any, input_names: list[str], prefix: str) -> list:
    from deepnum.models.functional import InputLayer

    names = {id(t): n for t, n in zip(graph.flat_inputs, input_names)}
    for node in graph.nodes:
        if isinstance(node.layer, InputLayer):
            continue
        tensors = _flat_tensors(node)
        xs = [names[id(t)] for t in tensors]
        path = f"{prefix}/{node.layer.name}" if prefix else node.layer.name
        shapes = [t.shape for t in tensors]
        outs = convert_layer(b, node.layer, xs, shapes, path, node.kwargs)
        for tensor, name in zip(node.outputs, outs):
            names[id(tensor)] = name
    return [names[id(t)] for t in graph.flat_outputs]


def _value_info(onnx: Any, name: str, tensor: Any, batch: str = "batch") -> Any:
    dims = [
        batch if i == 0 and s is None else (f"{name}_{i}" if s is None else int(s))
        for i, s in enumerate(tensor.shape)
    ]
    elem = onnx.helper.np_dtype_to_tensor_dtype(np.dtype(tensor.dtype))
    return onnx.helper.make_tensor_value_info(name, elem, dims)


def build_model_proto(model: Any, opset: int) -> Any:
    """The checked ``onnx.ModelProto`` of ``model``."""
    from deepnum.onnx import import_onnx

    onnx = import_onnx()
    if not MIN_OPSET <= int(opset) <= MAX_OPSET:
        raise ValueError(
            f"export: opset must be between {MIN_OPSET} and {MAX_OPSET}, received opset={opset}."
        )
    graph = _graph_of(model)
    b = GraphBuilder(onnx, int(opset), float_dtype=model.dtype)
    inputs = [b.fresh(t.node.layer.name) for t in graph.flat_inputs]
    outputs = _convert_graph(b, graph, inputs, "")
    output_names = []
    for tensor, name in zip(graph.flat_outputs, outputs):
        final = b.fresh(f"{tensor.node.layer.name}_output")
        b.nodes.append(onnx.helper.make_node("Identity", [name], [final], name=b.fresh(final)))
        output_names.append(final)
    proto_graph = onnx.helper.make_graph(
        b.nodes, model.name,
        [_value_info(onnx, n, t) for n, t in zip(inputs, graph.flat_inputs)],
        [_value_info(onnx, n, t) for n, t in zip(output_names, graph.flat_outputs)],
        b.initializers,
    )  # fmt: skip
    proto = onnx.helper.make_model(
        proto_graph, producer_name="deepnum", opset_imports=[onnx.helper.make_opsetid("", opset)],
        ir_version=min(onnx.IR_VERSION, 8 if opset <= 17 else 9 if opset <= 19 else 10),
    )  # fmt: skip
    onnx.checker.check_model(proto, full_check=True)
    return proto


def export(model: Any, filepath: Any, opset: int = 17) -> Any:
    """Write ``model`` as an ONNX file (see ``deepnum.onnx``); returns the ModelProto."""
    proto = build_model_proto(model, opset)
    with atomic_write(os.fspath(filepath), "wb") as f:
        f.write(proto.SerializeToString())
    return proto
