"""Static check: ops, layers and optimizers compute through ``xp`` (NumPy or CuPy), never by
calling ``numpy`` directly — except the host-only uses listed here, each with its reason."""

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[1] / "deepnum"
CHECKED = ["ops", "layers", "optimizers", "backend/accel.py"]

# (module, numpy function) -> why it is host-only
ALLOWED = {
    (
        "layers/core/embedding.py",
        "add.at",
    ): "Embedding backward, NumPy branch (CuPy uses cupyx.scatter_add)",
    ("layers/core/embedding.py", "arange"): "Embedding backward, NumPy branch: flat row offsets",
    (
        "layers/regularization/dropout.py",
        "random.default_rng",
    ): "a seeded host generator for the mask",
    (
        "layers/regularization/dropout.py",
        "where",
    ): "the mask is drawn on the host, then moved to the device",
    (
        "layers/regularization/noise.py",
        "random.default_rng",
    ): "a seeded host generator for the noise, which is then moved to the device",
    ("layers/layer.py", "asarray"): "set_weights / user input conversion on the host",
    ("layers/layer.py", "dtype"): "dtype names",
    ("layers/rnn/recurrent.py", "asarray"): "bias initializer (weights are created on the host)",
    ("layers/rnn/recurrent.py", "concatenate"): "bias initializer (unit_forget_bias)",
    ("layers/rnn/recurrent.py", "ones"): "bias initializer (unit_forget_bias)",
    ("layers/rnn/base_rnn.py", "random.default_rng"): "seeded host generator for masks",
    ("layers/reshaping/spatial.py", "add.at"): "bilinear interpolation matrix, built once",
    ("layers/reshaping/spatial.py", "arange"): "bilinear interpolation matrix, built once",
    ("layers/reshaping/spatial.py", "clip"): "bilinear interpolation matrix, built once",
    ("layers/reshaping/spatial.py", "floor"): "bilinear interpolation matrix, built once",
    ("layers/reshaping/spatial.py", "minimum"): "bilinear interpolation matrix, built once",
    ("layers/reshaping/spatial.py", "zeros"): "bilinear interpolation matrix, built once",
    ("backend/accel.py", "dot"): "inside a numba kernel, which only NumPy arrays reach",
    ("backend/accel.py", "sqrt"): "inside a numba kernel, which only NumPy arrays reach",
    (
        "ops/numpy/_broadcast.py",
        "ndarray",
    ): "zero-stride view of a NumPy scalar (type-checked branch)",
    ("ops/nn/_ctc.py", "errstate"): "floating-point error flags (host state)",
    ("ops/nn/_activations.py", "empty_like"): "ReLU backward, numba branch (NumPy arrays only)",
    ("ops/nn/_pooling.py", "empty"): "max pooling, numba branch (NumPy arrays only)",
    ("ops/nn/_window.py", "arange"): "window positions for padding masks (shapes only)",
    ("optimizers/adam.py", "sqrt"): "a Python scalar (bias correction)",
    ("optimizers/adafactor.py", "sqrt"): "a NumPy scalar (the step's 1/sqrt(t))",
    ("optimizers/adafactor.py", "int32"): "Keras's integer placeholder slots for 1-D weights",
    ("optimizers/loss_scale.py", "float32"): "scalar constants of the dynamic scale",
    ("optimizers/loss_scale.py", "asarray"): "a gradient given as a Python list (host input)",
    ("optimizers/muon.py", "sqrt"): "NumPy scalars (bias correction, the update's scale)",
    ("optimizers/muon.py", "float32"): "a NumPy scalar (the update's scale)",
    ("layers/input_spec.py", "dtype"): "dtype names",
    ("layers/layer_state.py", "dtype"): "dtype names and item sizes",
    ("optimizers/clipping.py", "errstate"): "floating-point error flags (host state)",
    ("optimizers/clipping.py", "minimum"): "dispatches to CuPy through __array_ufunc__ on scalars",
    ("optimizers/state.py", "dtype"): "dtype names",
    ("optimizers/state.py", "full"): "host-side scalar slots",
    ("optimizers/state.py", "shape"): "shapes",
}
SCHEDULES = "optimizers/schedules/"  # learning-rate schedules compute Python scalars on the host
# Modules whose data live on the host by design, each with its reason.
HOST_MODULES = {
    "layers/preprocessing/_hash.py": "string hashes of distinct values (Python integers)",
    "layers/preprocessing/index_lookup.py": "vocabularies and lookups of host strings/integers",
    "layers/preprocessing/_vocabulary.py": "vocabulary counts and IDF weights on the host",
    "layers/preprocessing/string_lookup.py": "host strings",
    "layers/preprocessing/integer_lookup.py": "vocabulary lookups on the host",
    "layers/preprocessing/text_vectorization.py": "text is tokenized on the host",
    "layers/preprocessing/hashing.py": "hashes of host strings/integers",
    "layers/preprocessing/hashed_crossing.py": "hashes of host strings/integers",
    "layers/preprocessing/discretization.py": "adapt's quantile summary (call uses xp)",
}
ALLOWED.update(
    {
        ("layers/preprocessing/_encoding.py", "asarray"): "user input to a host array",
        ("layers/preprocessing/_encoding.py", "prod"): "shapes",
        ("layers/preprocessing/normalization.py", "array"): "config values",
        ("layers/preprocessing/normalization.py", "asarray"): "given statistics, on the host",
        ("layers/preprocessing/normalization.py", "broadcast_to"): "given statistics",
        ("layers/preprocessing/normalization.py", "ndim"): "shapes",
        ("layers/preprocessing/normalization.py", "shape"): "shapes",
        ("layers/preprocessing/normalization.py", "zeros"): "adapt's running sums (host batches)",
        ("layers/preprocessing/spectrograms.py", "dtype"): "dtype names",
        ("layers/preprocessing/spectrograms.py", "linspace"): "mel matrix, built on the host",
        ("layers/preprocessing/spectrograms.py", "log"): "mel matrix, built on the host",
        ("layers/preprocessing/spectrograms.py", "maximum"): "mel matrix, built on the host",
        ("layers/preprocessing/spectrograms.py", "minimum"): "mel matrix, built on the host",
        ("layers/preprocessing/spectrograms.py", "pad"): "mel matrix, built on the host",
    }
)


def _numpy_calls(path: pathlib.Path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        value, name = node.func.value, node.func.attr
        if isinstance(value, ast.Name) and value.id in ("np", "numpy"):
            yield name, node.lineno
        elif (
            isinstance(value, ast.Attribute)
            and isinstance(value.value, ast.Name)
            and value.value.id in ("np", "numpy")
        ):
            yield f"{value.attr}.{name}", node.lineno


def test_no_direct_numpy_where_xp_belongs():
    offenders = []
    for package in CHECKED:
        paths = [ROOT / package] if package.endswith(".py") else (ROOT / package).rglob("*.py")
        for path in sorted(paths):
            rel = path.relative_to(ROOT).as_posix()
            if rel.startswith(SCHEDULES) or rel in HOST_MODULES:
                continue
            for name, line in _numpy_calls(path):
                if (rel, name) not in ALLOWED:
                    offenders.append(f"deepnum/{rel}:{line}: np.{name}")
    assert not offenders, (
        "These calls hard-code NumPy where the array module of the inputs (xp = "
        "get_array_module(x)) belongs, so they would break on CuPy arrays; use xp, or add the "
        "call to ALLOWED with the reason it is host-only:\n" + "\n".join(offenders)
    )


def test_the_check_catches_a_direct_numpy_call(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import numpy as np\n\ndef forward(x):\n    return np.exp(x)\n")
    assert list(_numpy_calls(bad)) == [("exp", 4)]
