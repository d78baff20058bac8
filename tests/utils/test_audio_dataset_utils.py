"""audio_dataset_from_directory: WAV decoding against SciPy's reader, padding / cutting,
ragged batches, resampling against SciPy's FFT resampler, labels and errors."""

from __future__ import annotations

import os
import wave

import numpy as np
import pytest

from deepnum.utils import audio_dataset_from_directory
from deepnum.utils.audio_dataset_utils import read_wav, resample
from tests.conftest import reference


def write_wav(path, samples: np.ndarray, rate=8000, width=2):
    samples = samples.reshape(len(samples), -1)
    with wave.open(str(path), "wb") as f:
        f.setnchannels(samples.shape[1])
        f.setsampwidth(width)
        f.setframerate(rate)
        if width == 3:
            as32 = samples.astype("<i4")
            raw = np.stack([(as32 >> s) & 0xFF for s in (0, 8, 16)], -1).astype(np.uint8)
            f.writeframes(raw.tobytes())
        else:
            f.writeframes(samples.astype({1: "u1", 2: "<i2", 4: "<i4"}[width]).tobytes())


@pytest.fixture
def speech(tmp_path, rng):
    for c, cls in enumerate(("no", "yes")):
        os.makedirs(tmp_path / "s" / cls)
        for i, n in enumerate((5, 9, 7)[: 3 - c]):
            write_wav(tmp_path / "s" / cls / f"{i}.wav", rng.integers(-32768, 32768, n))
    return str(tmp_path / "s")


@pytest.mark.parametrize("width, channels", [(1, 1), (2, 1), (2, 2), (3, 1), (4, 2)])
def test_decoding_matches_scipy(tmp_path, rng, width, channels):
    wavfile = reference("scipy.io.wavfile")
    bits = 8 * width
    low, high = (0, 256) if width == 1 else (-(2 ** (bits - 1)), 2 ** (bits - 1))
    path = tmp_path / "a.wav"
    write_wav(path, rng.integers(low, high, (11, channels)), 16000, width)
    audio, rate = read_wav(str(path))
    rate_ref, ints = wavfile.read(path)
    ints = ints.reshape(len(ints), -1).astype(np.float64)
    if width == 3:  # SciPy returns 24-bit samples in the top bytes of int32
        ints = ints / 256
    expected = (ints - 128) / 128 if width == 1 else ints / 2 ** (bits - 1)
    assert rate == rate_ref and audio.dtype == np.float32 and audio.shape == (11, channels)
    np.testing.assert_allclose(audio, expected, rtol=1e-6)


def test_batches_are_zero_padded_to_the_longest(speech):
    ds = audio_dataset_from_directory(speech, batch_size=5, shuffle=False, verbose=False)
    ((x, y),) = list(ds)
    assert x.shape == (5, 9, 1) and x.dtype == np.float32 and y.tolist() == [0, 0, 0, 1, 1]
    first, _ = read_wav(ds.file_paths[0])
    np.testing.assert_array_equal(x[0, :5], first)
    assert (x[0, 5:] == 0).all()


@pytest.mark.parametrize("length", [3, 12])
def test_output_sequence_length_cuts_or_pads(speech, length):
    ds = audio_dataset_from_directory(
        speech, batch_size=2, output_sequence_length=length, shuffle=False, verbose=False
    )
    x = np.concatenate([x for x, _ in ds])
    assert x.shape == (5, length, 1)
    for clip, path in zip(x, ds.file_paths):
        audio, _ = read_wav(path)
        n = min(length, len(audio))
        np.testing.assert_array_equal(clip[:n], audio[:n])
        assert (clip[n:] == 0).all()


def test_ragged_keeps_lengths(speech):
    ds = audio_dataset_from_directory(speech, ragged=True, shuffle=False, verbose=False)
    ((x, _),) = list(ds)
    assert x.dtype == object and [len(a) for a in x] == [5, 9, 7, 5, 9]


def test_sampling_rate_is_fft_resampling(speech):
    signal = reference("scipy.signal")
    ds = audio_dataset_from_directory(
        speech, sampling_rate=4000, batch_size=None, shuffle=False, verbose=False
    )
    for (clip, _), path in zip(ds, ds.file_paths):
        audio, rate = read_wav(path)
        n = int(round(len(audio) * 4000 / rate))
        np.testing.assert_allclose(clip, signal.resample(audio, n, axis=0), atol=1e-5)
    assert resample(np.ones((4, 1), "float32"), 8000, 8000).shape == (4, 1)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"ragged": True, "output_sequence_length": 5}, "not both"),
        ({"sampling_rate": 8000.0}, "sampling_rate must be an int"),
        ({"sampling_rate": 0}, "sampling_rate must be > 0"),
        ({"output_sequence_length": 0}, "output_sequence_length"),
        ({"label_mode": "multi"}, "label_mode"),
    ],
)
def test_bad_arguments(speech, kwargs, message):
    with pytest.raises(ValueError, match=message):
        audio_dataset_from_directory(speech, verbose=False, **kwargs)


def test_mixed_channels_and_bad_files_are_named(speech, tmp_path):
    write_wav(os.path.join(speech, "yes", "stereo.wav"), np.zeros((4, 2)))
    ds = audio_dataset_from_directory(speech, shuffle=False, verbose=False)
    with pytest.raises(ValueError, match="mixes 1 channels .* and 2 .*stereo.wav"):
        list(ds)
    open(os.path.join(speech, "no", "0.wav"), "wb").write(b"RIFF????WAVEfmt ")
    ds = audio_dataset_from_directory(speech, batch_size=None, shuffle=False, verbose=False)
    with pytest.raises(ValueError, match="cannot decode .*0.wav"):
        list(ds)


def test_split_and_fit(speech):
    import deepnum as dn

    train, val = audio_dataset_from_directory(
        speech, output_sequence_length=8, validation_split=0.4, subset="both", seed=1,
        verbose=False,
    )  # fmt: skip
    assert len(train.file_paths) == 3 and len(val.file_paths) == 2
    model = dn.Sequential([dn.Input((8, 1)), dn.layers.Flatten(), dn.layers.Dense(2)])
    model.compile("adam", dn.losses.SparseCategoricalCrossentropy(from_logits=True))
    assert "val_loss" in model.fit(train, validation_data=val, verbose=0).history
