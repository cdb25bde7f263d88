"""PCM WAV reading and writing with the standard library's ``wave`` module (no soundfile/scipy)."""

from __future__ import annotations

import os
import wave

import numpy as np

from tflm_pipeline.datasets._common import DatasetError

_PCM_DTYPES = {1: np.uint8, 2: np.dtype("<i2"), 4: np.dtype("<i4")}


def read_wav(path: str | os.PathLike) -> tuple[np.ndarray, int]:
    """Read a PCM WAV file as float32 samples in [-1, 1) and its sample rate.

    8-bit (unsigned), 16-bit and 32-bit integer PCM are supported; several channels are averaged
    to mono. Float or compressed WAVs raise :class:`DatasetError`.
    """
    try:
        with wave.open(os.fspath(path), "rb") as w:
            channels, width, rate = w.getnchannels(), w.getsampwidth(), w.getframerate()
            raw = w.readframes(w.getnframes())
    except (wave.Error, EOFError) as e:
        raise DatasetError(f"{path}: not a readable PCM WAV file ({e})") from None
    if width not in _PCM_DTYPES:
        raise DatasetError(f"{path}: {8 * width}-bit samples; supported: 8, 16, 32-bit PCM")
    data = np.frombuffer(raw, dtype=_PCM_DTYPES[width])
    if width == 1:
        audio = (data.astype(np.float32) - 128.0) / 128.0
    else:
        audio = data.astype(np.float32) / float(2 ** (8 * width - 1))
    if channels > 1:
        audio = audio[: len(audio) - len(audio) % channels].reshape(-1, channels).mean(axis=1)
    return audio.astype(np.float32, copy=False), rate


def write_wav(path: str | os.PathLike, audio: np.ndarray, rate: int) -> None:
    """Write mono float samples in [-1, 1] as a 16-bit PCM WAV file (values outside are clipped)."""
    pcm = np.clip(np.round(np.asarray(audio, dtype=np.float64) * 32768.0), -32768, 32767)
    with wave.open(os.fspath(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(int(rate))
        w.writeframes(pcm.astype("<i2").tobytes())
