"""Files from strangers: nothing in them runs, damaged or malicious files are refused with an
error that names the file and what is wrong, and a refused file changes nothing."""

from __future__ import annotations

import io
import json
import pathlib
import zipfile

import numpy as np
import pytest

import deepnum as dn
from deepnum import layers
from deepnum.saving import FileLoadError
from tests.conftest import reference

h5py = reference("h5py")


def small_model():
    model = dn.Sequential(
        [dn.Input((4,)), layers.Dense(3, name="dense"), layers.Dense(2, name="dense_1")]
    )
    return model


@pytest.fixture
def saved(tmp_path):
    path = tmp_path / "m.keras"
    small_model().save(path)
    return path


def members(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def write_archive(path, content: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in content.items():
            zf.writestr(name, data)


def edit_config(path, edit) -> None:
    content = members(path)
    config = json.loads(content["config.json"])
    edit(config)
    content["config.json"] = json.dumps(config).encode()
    write_archive(path, content)


def without_checksums(content: dict[str, bytes]) -> dict[str, bytes]:
    """The archive as a hostile writer (or Keras) makes it: no SHA-256 of the weights."""
    metadata = json.loads(content["metadata.json"])
    metadata.pop("weights_sha256", None)
    buffer = io.BytesIO(content["model.weights.h5"])
    with h5py.File(buffer, "a") as f:
        f.attrs.pop("deepnum_sha256", None)
    return {
        **content,
        "metadata.json": json.dumps(metadata).encode(),
        "model.weights.h5": buffer.getvalue(),
    }


def edit_weights(path, edit) -> None:
    content = without_checksums(members(path))
    buffer = io.BytesIO(content["model.weights.h5"])
    with h5py.File(buffer, "a") as f:
        edit(f)
    content["model.weights.h5"] = buffer.getvalue()
    write_archive(path, content)


WEIGHTS_MEMBER = r"m\.keras \(member 'model\.weights\.h5'\): "


def test_unknown_class_is_refused(saved):
    def edit(config):
        layer = config["config"]["layers"][1]
        layer.update(module="os", class_name="system", registered_name="os>system")

    edit_config(saved, edit)
    with pytest.raises(ValueError, match=r"m\.keras.*Unknown class 'os>system'"):
        dn.models.load_model(saved)


def test_unknown_top_level_class_and_bad_json(saved):
    edit_config(saved, lambda c: c.update(class_name="Popen", module="subprocess"))
    with pytest.raises(ValueError, match=r"m\.keras.*'Popen'"):
        dn.models.load_model(saved)
    content = members(saved)
    content["config.json"] = b"{not json"
    write_archive(saved, content)
    with pytest.raises(ValueError, match=r"m\.keras: config\.json is not valid JSON"):
        dn.models.load_model(saved)


@pytest.mark.parametrize("member", ["../evil.txt", "/etc/evil", "assets/../../evil", "C:/evil"])
def test_member_paths_escaping_the_archive_are_refused(saved, member):
    content = members(saved)
    content[member] = b"x"
    write_archive(saved, content)
    with pytest.raises(ValueError, match=r"m\.keras: refusing archive member"):
        dn.models.load_model(saved)


def test_truncated_archive(saved):
    data = saved.read_bytes()
    saved.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"m\.keras: .*damaged or truncated"):
        dn.models.load_model(saved)


def test_missing_member_and_damaged_weights(saved):
    content = members(saved)
    write_archive(saved, {k: v for k, v in content.items() if k != "model.weights.h5"})
    with pytest.raises(FileLoadError, match=r"m\.keras: the archive has no model\.weights\.h5"):
        dn.models.load_model(saved)
    content["model.weights.h5"] = content["model.weights.h5"][:200]
    write_archive(saved, content)
    with pytest.raises(FileLoadError, match=WEIGHTS_MEMBER + ".* does not match the SHA-256"):
        dn.models.load_model(saved)
    metadata = json.loads(content["metadata.json"])
    metadata.pop("weights_sha256")
    write_archive(saved, {**content, "metadata.json": json.dumps(metadata).encode()})
    with pytest.raises(FileLoadError, match=WEIGHTS_MEMBER + "not a readable HDF5 file"):
        dn.models.load_model(saved)


def test_missing_weight_is_named(saved):
    edit_weights(saved, lambda f: f.__delitem__("layers/dense_1/vars/0"))
    with pytest.raises(FileLoadError, match=WEIGHTS_MEMBER + "missing weight 'dense_1/kernel'"):
        dn.models.load_model(saved)


def test_shape_mismatch_names_both_shapes(saved):
    def edit(f):
        del f["layers/dense/vars/0"]
        f["layers/dense/vars/0"] = np.zeros((5, 3), "float32")

    edit_weights(saved, edit)
    with pytest.raises(FileLoadError, match=r"'dense/kernel'.*\(5, 3\).*\(4, 3\)"):
        dn.models.load_model(saved)


def test_dtype_mismatch(saved):
    def edit(f):
        del f["layers/dense/vars/1"]
        f["layers/dense/vars/1"] = np.array([b"a", b"b", b"c"])

    edit_weights(saved, edit)
    with pytest.raises(FileLoadError, match=r"dtype mismatch for weight 'dense/bias'"):
        dn.models.load_model(saved)


def test_links_are_refused(saved, tmp_path):
    def soft(f):
        del f["layers/dense/vars/1"]
        f["layers/dense/vars/1"] = h5py.SoftLink("/layers/dense_1/vars/1")

    edit_weights(saved, soft)
    with pytest.raises(ValueError, match="refusing the SoftLink"):
        dn.models.load_model(saved)

    def external(f):
        del f["layers/dense/vars/1"]
        f["layers/dense/vars/1"] = h5py.ExternalLink("/etc/passwd", "/x")

    small_model().save(saved)
    edit_weights(saved, external)
    with pytest.raises(ValueError, match="refusing the ExternalLink"):
        dn.models.load_model(saved)


def test_external_dataset_is_refused(tmp_path):
    model = small_model()
    path = tmp_path / "w.weights.h5"
    model.save_weights(path)
    raw = tmp_path / "raw.bin"
    raw.write_bytes(np.zeros(3, "float32").tobytes())
    with h5py.File(path, "a") as f:
        del f["layers/dense/vars/1"]
        f.create_dataset(
            "layers/dense/vars/1", shape=(3,), dtype="float32", external=[(str(raw), 0, 12)]
        )
    with pytest.raises(ValueError, match="external files"):
        model.load_weights(path)


def test_failed_load_changes_nothing(tmp_path):
    source, target = small_model(), small_model()
    path = tmp_path / "w.weights.h5"
    source.save_weights(path)
    with h5py.File(path, "a") as f:
        del f["layers/dense_1/vars/1"]
        del f.attrs["deepnum_sha256"]
    before = target.get_weights()
    with pytest.raises(FileLoadError, match=r"w\.weights\.h5: missing weight 'dense_1/bias'"):
        target.load_weights(path)
    for a, b in zip(before, target.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_lambda_bytecode_needs_safe_mode_false(tmp_path):
    inputs = dn.Input((3,))
    outputs = layers.Lambda(lambda t: t * 2.0 + 1.0)(layers.Dense(3)(inputs))
    model = dn.Model(inputs, outputs)
    model.save(tmp_path / "m.keras")
    with pytest.raises(ValueError, match=r"m\.keras.*Lambda layer 'lambda.*Python bytecode"):
        dn.models.load_model(tmp_path / "m.keras")
    restored = dn.models.load_model(tmp_path / "m.keras", safe_mode=False)
    x = np.ones((2, 3), "float32")
    np.testing.assert_allclose(restored.predict(x, verbose=0), model.predict(x, verbose=0))


def test_registered_function_in_lambda_loads_safely(tmp_path):
    @dn.saving.register_keras_serializable(package="tests")
    def double(t):
        return t * 2.0

    inputs = dn.Input((3,))
    model = dn.Model(inputs, layers.Lambda(double)(inputs))
    model.save(tmp_path / "m.keras")
    restored = dn.models.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(restored.predict(np.ones((1, 3), "float32"), verbose=0), 2.0)


def test_no_pickle_anywhere():
    root = pathlib.Path(dn.__file__).parent
    for path in list((root / "saving").rglob("*.py")) + [root / "callbacks" / "checkpoint.py"]:
        text = path.read_text()
        assert "import pickle" not in text and "cloudpickle" not in text, path
        assert "allow_pickle=True" not in text, path
