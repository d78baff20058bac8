"""The ``deepnum`` command: info and the demo (on the bundled digits, one epoch)."""

import os

from deepnum import cli


def test_info_names_version_blas_and_gpu(capsys):
    assert cli.main(["info"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("deepnum ") and "NumPy" in out and "GPU" in out
    assert "numba" in out and "malloc: tuned" in out


def test_demo_trains_and_writes_plots(tmp_path, capsys):
    assert cli.main(["demo", "--dataset", "digits", "--epochs", "1", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Test accuracy:" in out
    for name in ("history.png", "confusion.png"):
        with open(os.path.join(tmp_path, name), "rb") as f:
            assert f.read(8) == b"\x89PNG\r\n\x1a\n"
