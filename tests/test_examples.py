"""The short example scripts run (in a temporary directory) and print what they promise."""

import os
import runpy
import sys

import pytest

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "examples")


@pytest.mark.parametrize(
    "script,expected",
    [
        ("gradient_descent.py", "autodiff  gradient at (3, 4): [6. 8.]"),
        ("custom_training_loop.py", "epoch 10:"),
        ("newton_method.py", "Newton step 6: x = ( 1.000000,  1.000000)"),
        ("plot_graph_two_layer.py", "wrote two_layer_graph."),
    ],
)
def test_example_runs(script, expected, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", [script])
    runpy.run_path(os.path.join(EXAMPLES, script), run_name="__main__")
    assert expected in capsys.readouterr().out


@pytest.mark.parametrize(
    "script,expected",
    [
        ("transformer_sentiment.py", "validation accuracy:"),
        ("vit_fashion_mnist.py", "test accuracy:"),
    ],
)
def test_attention_example_runs_in_quick_mode(script, expected, tmp_path, monkeypatch, capsys):
    """The Transformer examples on a few hundred samples for one epoch (``--quick``)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", [script, "--quick", "--epochs", "1"])
    runpy.run_path(os.path.join(EXAMPLES, script), run_name="__main__")
    assert expected in capsys.readouterr().out


def test_per_example_gradients_example_runs_in_quick_mode(tmp_path, monkeypatch, capsys):
    """The DP-SGD example for a few steps: vmap(grad)'s gradients equal one grad per example."""
    monkeypatch.chdir(tmp_path)
    script = "per_example_gradients.py"
    monkeypatch.setattr(sys, "argv", [script, "--quick"])
    runpy.run_path(os.path.join(EXAMPLES, script), run_name="__main__")
    out = capsys.readouterr().out
    assert "equals grad(loss) on it alone: True" in out and "step   10:" in out


def test_transfer_learning_example_runs_in_quick_mode(tmp_path, monkeypatch, capsys):
    """The transfer-learning recipe on one batch per phase (``--quick``)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["transfer_learning.py", "--quick"])
    runpy.run_path(os.path.join(EXAMPLES, "transfer_learning.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "new head on the frozen base:" in out and "after fine-tuning the top:" in out
