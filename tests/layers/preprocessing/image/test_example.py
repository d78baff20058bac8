"""examples/image_classifier_from_directory.py runs end to end on a few images (PNGs written,
read back by image_dataset_from_directory, one epoch with augmentation in the model)."""

import os
import runpy
import sys

SCRIPT = os.path.join(
    os.path.dirname(__file__), "..", "..", "..", "..", "examples",
    "image_classifier_from_directory.py",
)  # fmt: skip


def test_image_classifier_example_runs(tmp_path, monkeypatch, capsys):
    argv = [SCRIPT, "--root", str(tmp_path / "pngs"), "--epochs", "1", "--per-class", "12"]
    monkeypatch.setattr(sys, "argv", argv)
    runpy.run_path(SCRIPT, run_name="__main__")
    out = capsys.readouterr().out
    assert "predict is deterministic (augmentation off): True" in out
    assert len(os.listdir(tmp_path / "pngs")) == 10  # one folder per class
