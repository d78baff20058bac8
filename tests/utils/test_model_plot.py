"""model_to_dot and plot_model: Keras's arguments and the content of each node; the DOT text
is checked with Graphviz when its `dot` program is installed."""

from __future__ import annotations

import shutil
import subprocess

import pytest

import deepnum as dn
from tests.conftest import require_program


def functional():
    inputs = dn.Input((4,), name="x")
    hidden = dn.layers.Dense(3, activation="relu", name="hidden")(inputs)
    side = dn.layers.Dense(3, name="side", trainable=False)(inputs)
    out = dn.layers.Add(name="sum")([hidden, side])
    return dn.Model(inputs, out, name="net")


def node_line(dot: str, name: str) -> str:
    return next(line for line in dot.splitlines() if line.startswith(f'  "{name}" ['))


@pytest.mark.parametrize(
    "kwargs, present, absent",
    [
        ({}, ["hidden (Dense)"], ["shape", "Activation", "dtype", "Trainable"]),
        ({"show_layer_names": False}, ["label=<Dense>"], ["hidden (Dense)"]),
        ({"show_shapes": True}, ["Input shape: (None, 4)", "Output shape: (None, 3)"], []),
        ({"show_layer_activations": True}, ["Activation: relu"], []),
        ({"show_dtype": True}, ["Output dtype: float32"], []),
        ({"show_trainable": True}, ["Trainable: True"], []),
    ],
)
def test_node_labels_follow_the_options(kwargs, present, absent):
    line = node_line(dn.utils.model_to_dot(functional(), **kwargs), "hidden")
    assert all(p in line for p in present) and not any(a in line for a in absent)


def test_graph_edges_and_attributes():
    dot = dn.utils.model_to_dot(functional(), rankdir="LR", dpi=96, splines="curved")
    assert dot.startswith('digraph "net" {')
    assert "rankdir=LR" in dot and "dpi=96" in dot and 'splines="curved"' in dot
    for edge in ('"x" -> "hidden"', '"x" -> "side"', '"hidden" -> "sum"', '"side" -> "sum"'):
        assert edge in dot
    assert "Trainable: False" in node_line(
        dn.utils.model_to_dot(functional(), show_trainable=True), "side"
    )
    sub = dn.utils.model_to_dot(functional(), subgraph=True)
    assert sub.startswith('subgraph "cluster_net" {')


def test_sequential_and_the_dot_object_api(tmp_path):
    model = dn.Sequential(
        [dn.Input((3,)), dn.layers.Dense(2, name="a"), dn.layers.Dense(1, name="b")]
    )
    dot = dn.utils.model_to_dot(model)
    assert '"a" -> "b"' in dot and dot.to_string() == str(dot)
    assert dot.create(format="raw") == str(dot).encode()
    dot.write(tmp_path / "m.dot")
    assert (tmp_path / "m.dot").read_text() == str(dot)
    with pytest.raises(TypeError, match="unexpected arguments"):
        dn.utils.model_to_dot(model, bogus=True)


def test_plot_model_writes_dot_or_an_image(tmp_path):
    path = dn.utils.plot_model(functional(), tmp_path / "net.png", show_shapes=True)
    if shutil.which("dot") is None:
        assert path.endswith("net.dot")
        assert "Output shape: (None, 3)" in open(path).read()
    else:
        with open(path, "rb") as f:
            assert f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_graphviz_accepts_the_source():
    program = require_program("dot", "Debian's graphviz package")
    dot = dn.utils.model_to_dot(functional(), show_shapes=True, show_layer_activations=True)
    done = subprocess.run([program, "-Tsvg"], input=dot.encode(), capture_output=True)
    assert done.returncode == 0, done.stderr
