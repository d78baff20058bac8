"""Plots of a search are written as PNG files."""

from __future__ import annotations

from deepnum import tuners
from tests.conftest import reference
from tests.tuners._models import build_mlp, regression_data

PNG = b"\x89PNG\r\n\x1a\n"


def test_history_parallel_coordinates_and_slice_plots(tmp_path):
    reference("matplotlib")
    x, y = regression_data()
    tuner = tuners.Hyperband(build_mlp, max_epochs=3, factor=3, seed=0, directory=tmp_path)
    tuner.search(x, y, batch_size=32, validation_split=0.25, verbose=0)
    paths = [tmp_path / name for name in ("history.png", "parallel.png", "slice.png")]
    tuners.plot_optimization_history(tuner, paths[0])
    tuners.plot_parallel_coordinates(tuner, paths[1])
    figure = tuners.plot_slice(tuner, paths[2], params=["lr", "units"])
    assert len(figure.axes) == 2
    for path in paths:
        assert path.read_bytes()[:8] == PNG and path.stat().st_size > 5000
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp-")]
