"""``audio_dataset_from_directory``: a dataset of WAV recordings read from class subfolders, a
batch at a time (Keras's function, its arguments, file order and splits).

WAV files are decoded with the standard library's ``wave`` module (PCM, 8 to 32 bits, any
number of channels) into float32 ``(samples, channels)`` in ``[-1, 1)``: an integer sample
``s`` of ``b`` bits becomes ``s / 2^(b-1)`` (8-bit WAV is unsigned: ``(s - 128) / 128``), as
``tf.audio.decode_wav`` does for 16-bit files.
"""

from __future__ import annotations

import os
import wave
from typing import Any

import numpy as np

from deepnum.data import Dataset
from deepnum.utils import dataset_utils

ALLOWED_FORMATS = (".wav",)
CALLER = "audio_dataset_from_directory"


def read_wav(path: str) -> tuple[np.ndarray, int]:
    """Decode a PCM WAV file: float32 ``(samples, channels)`` and its sampling rate.

    Example:
        >>> import tempfile, os, wave
        >>> p = os.path.join(tempfile.mkdtemp(), "a.wav")
        >>> with wave.open(p, "wb") as w:
        ...     w.setnchannels(1); w.setsampwidth(2); w.setframerate(8000)
        ...     w.writeframes(np.array([0, 16384, -32768], "<i2").tobytes())
        >>> audio, rate = read_wav(p)
        >>> audio[:, 0].tolist(), rate
        ([0.0, 0.5, -1.0], 8000)
    """
    try:
        with wave.open(path, "rb") as f:
            channels, width, rate = f.getnchannels(), f.getsampwidth(), f.getframerate()
            raw = f.readframes(f.getnframes())
    except (wave.Error, EOFError) as error:
        raise ValueError(
            f"{CALLER}: cannot decode {path}: {error} (only PCM WAV files are supported)."
        ) from error
    frames = len(raw) // (width * channels)
    raw = raw[: frames * width * channels]
    if width == 1:
        samples = (np.frombuffer(raw, np.uint8).astype("float32") - 128) / 128
    elif width == 3:  # 24-bit: sign-extend three little-endian bytes into an int32
        b = np.frombuffer(raw, np.uint8).reshape(-1, 3).astype(np.int32)
        value = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        samples = (np.where(value >= 1 << 23, value - (1 << 24), value) / float(1 << 23)).astype(
            "float32"
        )
    else:
        dtype = {2: "<i2", 4: "<i4"}[width]
        samples = (np.frombuffer(raw, dtype) / float(1 << (8 * width - 1))).astype("float32")
    return samples.reshape(frames, channels), rate


def fit_length(audio: np.ndarray, length: int) -> np.ndarray:
    """Cut ``audio`` to ``length`` samples or pad it with zeros at the end."""
    if len(audio) >= length:
        return audio[:length]
    return np.concatenate([audio, np.zeros((length - len(audio), audio.shape[1]), audio.dtype)])


def resample(audio: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    """Band-limited resampling by the FFT (SciPy's ``signal.resample``): the spectrum is cut
    (or zero-extended) to ``m = round(n * rate_out / rate_in)`` samples, the Nyquist bin of an
    even length split or joined, and the result scaled by ``m / n``.

    Example:
        >>> resample(np.ones((8, 1), "float32"), 8000, 4000)[:, 0].tolist()
        [1.0, 1.0, 1.0, 1.0]
    """
    if rate_in == rate_out or len(audio) == 0:
        return audio
    n_in = len(audio)
    n_out = max(1, int(round(n_in * rate_out / rate_in)))
    spectrum = np.fft.rfft(audio.astype("float64"), axis=0)
    kept = np.zeros((n_out // 2 + 1, *audio.shape[1:]), dtype=spectrum.dtype)
    n = min(n_in, n_out)
    kept[: n // 2 + 1] = spectrum[: n // 2 + 1]
    if n % 2 == 0:  # the +-n/2 frequency is one bin here and two bins (or none) there
        kept[n // 2] *= 2.0 if n_out < n_in else 0.5
    return (np.fft.irfft(kept, n_out, axis=0) * (n_out / n_in)).astype("float32")


class AudioLoader:
    """Decodes a batch of WAV files; pads them to the longest (or to ``output_sequence_length``)
    or, with ``ragged``, returns them as an object array of ``(samples, channels)`` arrays."""

    def __init__(
        self, sampling_rate: int | None, output_sequence_length: int | None, ragged: bool
    ) -> None:
        self.sampling_rate, self.length, self.ragged = sampling_rate, output_sequence_length, ragged

    def _load(self, path: str) -> np.ndarray:
        audio, rate = read_wav(path)
        if self.length is not None:
            audio = fit_length(audio, self.length)
        if self.sampling_rate is not None:
            audio = resample(audio, rate, self.sampling_rate)
        return audio

    def __call__(self, paths: np.ndarray) -> np.ndarray:
        paths = [str(p) for p in paths]
        clips = [self._load(p) for p in paths]
        if self.ragged:
            out = np.empty(len(clips), dtype=object)
            for i, clip in enumerate(clips):  # item by item: each array stays whole
                out[i] = clip
            return out
        channels = {clip.shape[1] for clip in clips}
        if len(channels) > 1:
            other = next(i for i, c in enumerate(clips) if c.shape[1] != clips[0].shape[1])
            raise ValueError(
                f"{CALLER}: one batch mixes {clips[0].shape[1]} channels ({paths[0]}) and "
                f"{clips[other].shape[1]} ({paths[other]}); use recordings with one channel "
                "count or batch_size=None."
            )
        longest = max(len(clip) for clip in clips)
        return np.stack([fit_length(clip, longest) for clip in clips])


def _check_audio_args(sampling_rate: Any, output_sequence_length: Any, ragged: bool) -> None:
    if ragged and output_sequence_length is not None:
        raise ValueError(f"{CALLER}: give ragged=True or output_sequence_length, not both.")
    if output_sequence_length is not None and (
        not isinstance(output_sequence_length, (int, np.integer)) or output_sequence_length < 1
    ):
        raise ValueError(
            f"{CALLER}: output_sequence_length must be None or an int >= 1, received "
            f"output_sequence_length={output_sequence_length!r}."
        )
    if sampling_rate is not None:
        if isinstance(sampling_rate, bool) or not isinstance(sampling_rate, int):
            raise ValueError(
                f"{CALLER}: sampling_rate must be an int, received sampling_rate={sampling_rate!r}."
            )
        if sampling_rate <= 0:
            raise ValueError(
                f"{CALLER}: sampling_rate must be > 0, received sampling_rate={sampling_rate}."
            )


def audio_dataset_from_directory(
    directory: str | os.PathLike,
    labels: Any = "inferred",
    label_mode: str | None = "int",
    class_names: list[str] | None = None,
    batch_size: int | None = 32,
    sampling_rate: int | None = None,
    output_sequence_length: int | None = None,
    ragged: bool = False,
    shuffle: bool = True,
    seed: int | None = None,
    validation_split: float | None = None,
    subset: str | None = None,
    follow_links: bool = False,
    verbose: bool = True,
) -> Dataset | list[Dataset]:
    """A dataset of ``(audio, labels)`` batches read from the ``.wav`` files of ``directory``.

    The files are listed, shuffled and split exactly as Keras does (same ``file_paths`` for the
    same seed) and decoded when their batch is drawn (see the module docstring).

    Args:
        directory: the root folder (one subfolder per class with ``labels="inferred"``).
        labels: ``"inferred"``, ``None`` or a list of integer labels (sorted path order).
        label_mode: ``"int"``, ``"categorical"``, ``"binary"`` or ``None``.
        class_names: with ``labels="inferred"``: the subfolders to use, in label order.
        batch_size: recordings per batch; ``None``: single recordings.
        sampling_rate: resample every recording to this rate (Hz) with a band-limited FFT
            resampler (Keras uses tensorflow-io's, so the samples differ slightly).
        output_sequence_length: cut or zero-pad every recording to this many samples (before
            resampling, as Keras); ``None``: pad each batch to its longest recording.
        ragged: keep the lengths: each batch is an object array of ``(samples, channels)``
            arrays (deepnum has no ragged tensors).
        shuffle: shuffle the file list (seeded) and, each epoch, the batches' order.
        seed: the shuffling seed (required with ``validation_split`` and ``shuffle``).
        validation_split: the fraction of files for validation.
        subset: ``"training"``, ``"validation"`` or ``"both"``.
        follow_links: walk into symlinked subfolders.
        verbose: print how many files and classes were found.

    Returns:
        A :class:`deepnum.data.Dataset` of ``(audio, labels)``, audio float32 ``(batch,
        samples, channels)``, with ``class_names`` and ``file_paths`` attributes;
        ``[train, validation]`` with ``subset="both"``.

    Example:
        >>> ds = audio_dataset_from_directory(
        ...     "speech", output_sequence_length=16000
        ... )  # doctest: +SKIP
    """
    dataset_utils.check_labels_args(CALLER, labels, label_mode, class_names)
    _check_audio_args(sampling_rate, output_sequence_length, ragged)
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    return dataset_utils.directory_datasets(
        CALLER,
        directory,
        labels,
        label_mode,
        class_names,
        batch_size,
        shuffle,
        seed,
        validation_split,
        subset,
        follow_links,
        verbose,
        ALLOWED_FORMATS,
        AudioLoader(sampling_rate, output_sequence_length, ragged),
    )
