"""Files that ask for more than they hold, damage HDF5 cannot see, and the raw errors of zipfile
and h5py: each is refused with a FileLoadError naming the file, the member or dataset and the
cause — before anything large is allocated."""

from __future__ import annotations

import io
import json
import pickle
import re
import tracemalloc
import zipfile

import numpy as np
import pytest

import deepnum as dn
from deepnum.saving import FileLoadError
from tests.conftest import reference
from tests.saving.test_legacy_h5 import keras2_file
from tests.saving.test_safety import edit_config, members, write_archive

h5py = reference("h5py")
BIG = 10**12


def saved(tmp_path, model) -> str:
    path = tmp_path / "m.keras"
    model.save(path)
    return path


def dense_model():
    return dn.Sequential([dn.Input((4,)), dn.layers.Dense(3, name="a"), dn.layers.Dense(2)])


# ------------------------------------------------------------------ sizes the file cannot hold
def _units(config):
    config["config"]["layers"][1]["config"]["units"] = BIG


def _input_size(config):
    config["config"]["layers"][0]["config"]["batch_shape"] = [None, BIG]
    config["config"]["layers"][1]["build_config"]["input_shape"] = [None, BIG]
    config["build_config"]["input_shape"] = [None, BIG]


@pytest.mark.parametrize(
    "edit, layer, shape, size",
    [(_units, "a", (4, BIG), "14.6 TiB"), (_input_size, "a", (BIG, 3), "10.9 TiB")],
    ids=["Dense(units=10**12)", "input size 10**12"],
)
def test_config_asking_for_terabytes_is_refused_before_allocating(
    tmp_path, edit, layer, shape, size
):
    path = saved(tmp_path, dense_model())
    edit_config(path, edit)
    pattern = (
        rf"m\.keras \(member 'config\.json'\): layer '{layer}' asks for weight 'kernel' of shape "
        rf"\({shape[0]}, {shape[1]}\) \({re.escape(size)}\), but the file stores only .* of weights"
    )
    with pytest.raises(FileLoadError, match=pattern):
        dn.models.load_model(path)


def test_embedding_of_10_to_the_14_is_refused(tmp_path):
    model = dn.Sequential([dn.Input((5,), dtype="int32"), dn.layers.Embedding(10, 2, name="e")])
    path = saved(tmp_path, model)
    edit_config(path, lambda c: c["config"]["layers"][1]["config"].update(input_dim=10**14))
    with pytest.raises(FileLoadError, match=r"layer 'e' asks for weight 'embeddings' .*727\.6 TiB"):
        dn.models.load_model(path)


def test_memory_error_while_building_names_the_layer_and_the_bytes():
    with pytest.raises(
        MemoryError,
        match=r'Layer "huge": .*weight \'kernel\' of shape '
        r"\(1000000, 1000000000000\).*needs 4,000,000,000,000,000,000 bytes",
    ):
        dn.layers.Dense(BIG, name="huge").build((None, 10**6))


def test_archive_members_are_read_within_what_they_may_need(tmp_path):
    path = saved(tmp_path, dense_model())
    content = members(path)
    content["config.json"] = content["config.json"] + b" " * (16 << 20)  # deflates 1000:1
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in content.items():
            zf.writestr(name, data)
    path.write_bytes(buffer.getvalue())
    tracemalloc.start()
    with pytest.raises(FileLoadError, match=r"refusing archive member 'config\.json'.*bomb"):
        dn.models.load_model(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 4 << 20  # the 16 MB member was never expanded


def test_weights_member_larger_than_the_model_needs_is_not_read(tmp_path):
    path = saved(tmp_path, dense_model())
    content = members(path)
    weights = io.BytesIO(content["model.weights.h5"])
    with h5py.File(weights, "a") as f:
        f.create_dataset("padding", data=np.zeros(4 << 20, "uint8"))  # stored: ratio 1
    write_archive(path, {**content, "model.weights.h5": weights.getvalue()})
    with pytest.raises(
        FileLoadError,
        match=r"member 'model\.weights\.h5'\): it declares \d+ bytes, "
        r"more than the \d+ that the weights of this model can need",
    ):
        dn.models.load_model(path)


# ------------------------------------------------------------------ integrity beyond HDF5
def _flip_kernel_byte(data: bytes, kernel: np.ndarray) -> bytes:
    offset = data.index(kernel.tobytes()) + 5  # inside the stored kernel
    return data[:offset] + bytes([data[offset] ^ 0x10]) + data[offset + 1 :]


def test_flipped_weight_byte_is_caught_by_the_sha256(tmp_path):
    model = dense_model()
    path = tmp_path / "w.weights.h5"
    model.save_weights(path)
    path.write_bytes(_flip_kernel_byte(path.read_bytes(), model.get_weights()[0]))
    with pytest.raises(
        FileLoadError, match=r"w\.weights\.h5: the weights do not match the SHA-256"
    ):
        dense_model().load_weights(path)


def test_keras_member_checked_by_metadata_and_by_the_weights_attribute(tmp_path):
    model = dense_model()
    path = saved(tmp_path, model)
    content = members(path)
    damaged = _flip_kernel_byte(content["model.weights.h5"], model.get_weights()[0])
    write_archive(path, {**content, "model.weights.h5": damaged})  # a valid zip around it
    with pytest.raises(FileLoadError, match=r"model\.weights\.h5 does not match the SHA-256 in"):
        dn.models.load_model(path)
    metadata = json.loads(content["metadata.json"])
    del metadata["weights_sha256"]
    write_archive(
        path,
        {**content, "metadata.json": json.dumps(metadata).encode(), "model.weights.h5": damaged},
    )
    with pytest.raises(FileLoadError, match=r"the weights do not match the SHA-256 stored"):
        dn.models.load_model(path)


def test_keras_opens_files_with_the_checksums_and_deepnum_opens_keras_files(tmp_path):
    keras = reference("keras")
    model = dense_model()
    model.save(tmp_path / "m.keras")
    model.save_weights(tmp_path / "w.weights.h5")
    k_model = keras.models.load_model(tmp_path / "m.keras")
    k_other = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3), keras.layers.Dense(2)])
    k_other.load_weights(tmp_path / "w.weights.h5")
    for k in (k_model, k_other):
        for a, b in zip(k.get_weights(), model.get_weights(), strict=True):
            np.testing.assert_array_equal(np.asarray(a), b)
    k_model.save(tmp_path / "k.keras")  # no checksums: loads as before
    restored = dn.models.load_model(tmp_path / "k.keras")
    for a, b in zip(restored.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


# ------------------------------------------------------------------ raw errors, named
def test_legacy_file_listing_a_missing_group(tmp_path):
    path = tmp_path / "k2.h5"
    keras2_file(path)
    with h5py.File(path, "a") as f:
        del f["model_weights/dense"]
    with pytest.raises(FileLoadError, match=r"k2\.h5: the file lists the group 'dense', but it is"):
        dn.models.load_model(path)


def _set_version_needed(data: bytes, member: str, version: int) -> bytes:
    """Write ``version`` as the "version needed to extract" of ``member``'s central entry."""
    start = data.index(b"PK\x01\x02")
    while data[start + 46 : start + 46 + len(member)] != member.encode():
        start = data.index(b"PK\x01\x02", start + 4)
    return data[: start + 6] + version.to_bytes(2, "little") + data[start + 8 :]


def test_zip_errors_are_named(tmp_path):
    path = saved(tmp_path, dense_model())
    path.write_bytes(_set_version_needed(path.read_bytes(), "config.json", 92))
    with pytest.raises(
        FileLoadError,
        match=r"m\.keras: damaged or truncated \(NotImplementedError: zip file version 9\.2\)",
    ):
        dn.models.load_model(path)


def test_the_error_is_a_value_error_that_survives_pickling():
    error = FileLoadError("m.keras", "damaged", "member 'config.json'")
    again = pickle.loads(pickle.dumps(error))
    assert isinstance(again, ValueError) and str(again) == str(error) and again.where == error.where


def test_unknown_compile_config_keys_are_refused(tmp_path):
    model = dense_model()
    model.compile(optimizer="sgd", loss="mse")
    path = saved(tmp_path, model)
    edit_config(path, lambda c: c["compile_config"].update(lo5s=c["compile_config"].pop("loss")))
    with pytest.raises(FileLoadError, match=r"compile_config has unknown key\(s\) \['lo5s'\]"):
        dn.models.load_model(path)  # not a model silently compiled without its loss
    assert dn.models.load_model(path, compile=False).compiled is False
