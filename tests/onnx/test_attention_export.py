"""ONNX export of the attention layers, EinsumDense, LayerNormalization and GELU: checked by
onnx.checker (inside export) and run in onnxruntime, whose outputs must equal deepnum's."""

from __future__ import annotations

import numpy as np
import pytest

import deepnum as dn
from deepnum import layers
from deepnum.onnx import UnsupportedLayerError, export
from tests.conftest import reference
from tests.onnx.test_export import assert_exports, rand

onnx = reference("onnx")


def encoder(causal=False, gate=False, gqa=False, scores=False):
    tokens = dn.Input((6,), dtype="int32")
    memory = dn.Input((4, 5))
    x = layers.Embedding(20, 8)(tokens)
    if gqa:
        a = layers.GroupQueryAttention(4, 4, 2, use_gate=gate)(x, x, use_causal_mask=causal)
    else:
        a = layers.MultiHeadAttention(2, 4, use_gate=gate)(x, x, use_causal_mask=causal)
    x = layers.LayerNormalization(epsilon=1e-6)(layers.Add()([x, a]))
    x = layers.Dense(16, activation="gelu")(x)
    cross = layers.MultiHeadAttention(2, 3, value_dim=2, output_shape=7, name="cross")
    outputs = cross(x, memory, memory, return_attention_scores=scores)
    return dn.Model([tokens, memory], outputs)


def inputs(seed=0):
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 20, (3, 6)).astype("int32"), rand(3, 4, 5, seed=seed)]


@pytest.mark.parametrize(
    "kwargs, opset",
    [
        ({}, 17),
        ({"causal": True, "gate": True}, 13),
        ({"gqa": True, "causal": True}, 20),
        ({"gqa": True, "gate": True, "scores": True}, 18),
    ],
    ids=["mha", "causal-gate-opset13", "gqa-causal-opset20", "gqa-gate-scores"],
)
def test_attention_encoders_run_in_onnxruntime(tmp_path, kwargs, opset):
    assert_exports(tmp_path, encoder(**kwargs), inputs(), opset=opset, tol=2e-5)


@pytest.mark.parametrize(
    "opset, ops", [(13, {"Erf", "ReduceMean"}), (17, {"LayerNormalization"}), (20, {"Gelu"})]
)
def test_layer_normalization_and_gelu_use_onnx_operators_where_they_exist(tmp_path, opset, ops):
    x = dn.Input((3, 8))
    h = layers.LayerNormalization(epsilon=1e-5)(layers.Dense(8, activation="gelu")(x))
    h = layers.LayerNormalization(axis=[1, 2], center=False)(h)
    model = dn.Model(x, layers.Activation("gelu")(h))
    assert_exports(tmp_path, model, rand(4, 3, 8), opset=opset)
    used = {n.op_type for n in onnx.load(str(tmp_path / "m.onnx")).graph.node}
    assert ops <= used


def test_einsum_dense_matmul_and_einsum_forms(tmp_path):
    x = dn.Input((5, 6))
    a = layers.EinsumDense("abc,cde->abde", (None, 2, 3), bias_axes="de")(x)
    b = layers.EinsumDense("abcd,cde->abe", (None, 4), activation="relu")(a)
    c = layers.EinsumDense("abc,bcd->ad", 3, bias_axes="d")(x)  # contracts two axes
    e = layers.EinsumDense("abc,cd->adb", (4, 5), bias_axes="d")(x)  # transposed: Einsum
    d = layers.EinsumDense("abc,cd->abd", (5, 2), bias_axes="bd")(b)  # bias over two axes
    model = dn.Model(x, [c, d, e])
    assert_exports(tmp_path, model, rand(2, 5, 6), opset=17)
    used = {n.op_type for n in onnx.load(str(tmp_path / "m.onnx")).graph.node}
    assert {"MatMul", "Einsum"} <= used


def test_unsupported_attention_options_are_named(tmp_path):
    x = dn.Input((2, 3, 4))
    model = dn.Model(x, layers.MultiHeadAttention(2, 2, attention_axes=(1, 2))(x, x))
    with pytest.raises(UnsupportedLayerError, match=r"attends over axes \(1, 2\)"):
        export(model, tmp_path / "m.onnx")
    q = dn.Input((None, 4))
    model = dn.Model(q, layers.MultiHeadAttention(2, 2)(q, q, use_causal_mask=True))
    with pytest.raises(UnsupportedLayerError, match="sequences of unknown length"):
        export(model, tmp_path / "m.onnx")
