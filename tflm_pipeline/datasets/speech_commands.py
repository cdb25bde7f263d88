"""Google Speech Commands (v0.01 / v0.02) folders -> 1 s, 16 kHz waveforms, 12 classes.

Classes (index: name): 0 yes, 1 no, 2 up, 3 down, 4 left, 5 right, 6 on, 7 off, 8 stop, 9 go,
10 ``_silence_``, 11 ``_unknown_`` (:data:`CLASSES`). Every other word is ``_unknown_``.

Layouts read (``root/<folder>/<clip>.wav``, 16 kHz mono PCM):

* the full dataset: one folder per word (35 in v0.02), ``validation_list.txt`` and
  ``testing_list.txt`` (paths relative to root; every other clip is train) and
  ``_background_noise_/``. ``_silence_`` clips are made (``silence_fraction``) and ``_unknown_``
  clips sampled from the non-target words (``unknown_fraction``), both relative to the number
  of target-word clips in the split, as TensorFlow's ``speech_commands`` example does.
* the canonical 12-class test set: folders already named by class, including ``_silence_``
  and ``_unknown_``; those clips are taken as they are, nothing is made or sampled.

Without the two list files a split is picked by hashing the speaker id (the part before
``_nohash_``) into ``validation_percentage`` / ``testing_percentage`` with SHA-1, the rule of the
dataset's README, so one speaker's clips are always in one split. The canonical test set's
speakers all hash to "test" under the default percentages (checked on 147 of them); to train
on such a folder, load it with ``split=None`` and split by ``groups`` (speaker) with
:func:`~tflm_pipeline.datasets.group_split_mask`.

Every clip is zero-padded at the end (or cut) to 16,000 samples. Made ``_silence_`` clips are
1 s windows of the background-noise clips at a random volume in [0, 1) (all zeros when there
is no noise). ``background_frequency`` > 0 mixes noise into that fraction of the other clips at a
volume in [0, ``background_volume``), as TensorFlow's training does. All randomness comes from
``seed``; call :func:`mix_background` again with another seed to re-augment per epoch.

Memory: 64,000 bytes per clip; the full v0.02 train split (~85,000 clips) needs ~5.5 GB.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from tflm_pipeline.datasets._common import Dataset, DatasetError, Split, fit_length
from tflm_pipeline.datasets._wav import read_wav

WORDS = ("yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go")
SILENCE = "_silence_"
UNKNOWN = "_unknown_"
CLASSES = WORDS + (SILENCE, UNKNOWN)
SILENCE_INDEX = CLASSES.index(SILENCE)
UNKNOWN_INDEX = CLASSES.index(UNKNOWN)
SAMPLE_RATE = 16000
NUM_SAMPLES = 16000
BACKGROUND_NOISE_DIR = "_background_noise_"
SPLITS = ("train", "validation", "test")
_LIST_FILES = {"validation": "validation_list.txt", "test": "testing_list.txt"}
_MAX_NUM_WAVS_PER_CLASS = 2 ** 27 - 1  # the constant of the dataset's split rule
_SPEAKER = re.compile(r"([0-9a-f]{8})_nohash_")


@dataclass(frozen=True)
class Clip:
    """One WAV file of a Speech Commands folder.

    Attributes:
        path: the file.
        label: class index into :data:`CLASSES`.
        speaker: the 8-hex-digit speaker id from the file name, "" when the name has none.
        split: "train", "validation" or "test".
    """

    path: Path
    label: int
    speaker: str
    split: str


def speaker_of(name: str) -> str:
    """``"0a7c2a8d_nohash_1.wav"`` or ``"backward_0a7c2a8d_nohash_1.wav.wav"`` -> ``"0a7c2a8d"``;
    "" for names without a speaker (e.g. the test set's ``_silence_/1024.wav``)."""
    match = _SPEAKER.search(name)
    return match.group(1) if match else ""


def which_set(name: str, validation_percentage: float, testing_percentage: float) -> str:
    """Split of a clip by the dataset README's rule: SHA-1 of the speaker id, so a speaker's
    clips all land in the same split (names without a speaker id hash their file name)."""
    key = speaker_of(name) or re.sub(r"_nohash_.*$", "", os.path.basename(name))
    digest = int(hashlib.sha1(key.encode("utf-8")).hexdigest(), 16)
    percentage = (digest % (_MAX_NUM_WAVS_PER_CLASS + 1)) * (100.0 / _MAX_NUM_WAVS_PER_CLASS)
    if percentage < validation_percentage:
        return "validation"
    if percentage < validation_percentage + testing_percentage:
        return "test"
    return "train"


def _read_list(root: Path, split: str) -> set[str]:
    path = root / _LIST_FILES[split]
    if not path.is_file():
        return set()
    return {line.strip() for line in path.read_text().splitlines() if line.strip()}


def list_clips(root: str | os.PathLike, *, validation_percentage: float = 10.0,
               testing_percentage: float = 10.0) -> list[Clip]:
    """Every clip under ``root`` (except background noise) with its class, speaker and split.

    The split comes from ``validation_list.txt`` / ``testing_list.txt`` when either exists,
    else from :func:`which_set` with the two percentages. Sorted by path; no audio is read.
    """
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"{root}: not a folder; expected a Speech Commands folder "
                           f"<root>/<word>/<clip>.wav")
    has_lists = any((root / f).is_file() for f in _LIST_FILES.values())
    listed = {split: _read_list(root, split) for split in _LIST_FILES}
    clips = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        if folder.name == BACKGROUND_NOISE_DIR:
            continue
        label = CLASSES.index(folder.name) if folder.name in CLASSES else UNKNOWN_INDEX
        for path in sorted(folder.glob("*.wav")):
            rel = f"{folder.name}/{path.name}"
            if has_lists:
                split = ("validation" if rel in listed["validation"]
                         else "test" if rel in listed["test"] else "train")
            else:
                split = which_set(path.name, validation_percentage, testing_percentage)
            clips.append(Clip(path, label, speaker_of(path.name), split))
    if not clips:
        raise DatasetError(f"{root}: no <word>/<clip>.wav files; expected a Speech Commands "
                           f"folder (word folders, validation_list.txt, testing_list.txt)")
    return clips


def read_background_noise(noise_dir: str | os.PathLike) -> list[np.ndarray]:
    """The ``.wav`` clips of a ``_background_noise_`` folder as float32 arrays (16 kHz, >= 1 s)."""
    noise_dir = Path(noise_dir)
    files = sorted(noise_dir.glob("*.wav"))
    if not files:
        raise DatasetError(f"{noise_dir}: no background-noise .wav files")
    noises = []
    for f in files:
        audio, rate = read_wav(f)
        if rate != SAMPLE_RATE:
            raise DatasetError(f"{f}: {rate} Hz; background noise must be {SAMPLE_RATE} Hz")
        if len(audio) < NUM_SAMPLES:
            raise DatasetError(f"{f}: {len(audio)} samples; background noise needs >= "
                               f"{NUM_SAMPLES} (1 s)")
        noises.append(audio)
    return noises


def _noise_window(noises: Sequence[np.ndarray], rng: np.random.Generator) -> np.ndarray:
    noise = noises[rng.integers(len(noises))]
    start = rng.integers(len(noise) - NUM_SAMPLES + 1)
    return noise[start:start + NUM_SAMPLES]


def mix_background(x: np.ndarray, noises: Sequence[np.ndarray], *, frequency: float = 0.8,
                   volume: float = 0.1, seed: int = 0) -> np.ndarray:
    """A copy of ``x (n, 16000)`` where a ``frequency`` share of the clips (chosen at random)
    get ``v * noise`` added, ``v ~ U(0, volume)`` and ``noise`` a random 1 s window of a random
    clip of ``noises``; the sum is clipped to [-1, 1]. Same seed, same result."""
    if not 0.0 <= frequency <= 1.0 or volume < 0.0:
        raise ValueError(f"need 0 <= frequency <= 1 and volume >= 0, got {frequency}, {volume}")
    if x.ndim != 2 or x.shape[1] != NUM_SAMPLES:
        raise ValueError(f"x must be (n, {NUM_SAMPLES}), got {x.shape}")
    rng = np.random.default_rng(seed)
    out = x.copy()
    for i in np.flatnonzero(rng.random(len(x)) < frequency):
        out[i] = np.clip(out[i] + rng.uniform(0.0, volume) * _noise_window(noises, rng), -1, 1)
    return out


def load_speech_commands(root: str | os.PathLike, split: str | None = "train", *,
                         silence_fraction: float = 0.1, unknown_fraction: float | None = 0.1,
                         noise_dir: str | os.PathLike | None = None,
                         background_frequency: float = 0.0, background_volume: float = 0.1,
                         validation_percentage: float = 10.0, testing_percentage: float = 10.0,
                         seed: int = 0) -> Split:
    """One split of a Speech Commands folder as 1 s, 16 kHz waveforms with 12-class labels.

    Args:
        root: the dataset folder (see the module docstring for the layouts).
        split: "train", "validation", "test", or None for every clip.
        silence_fraction: ``_silence_`` clips to make, as a fraction of the split's target-word
            clips (rounded up); used only when there is no ``_silence_`` folder.
        unknown_fraction: non-target-word clips to keep (random, seeded), as a fraction of the
            target-word clips; None keeps them all. A ``_unknown_`` folder is always kept whole.
        noise_dir: background-noise clips; default ``root/_background_noise_`` if it exists.
        background_frequency, background_volume: noise mixing, see :func:`mix_background`
            (off by default; made silence always uses the noise).
        validation_percentage, testing_percentage: split rule when there are no list files.
        seed: seeds every random choice (unknown sampling, silence, mixing).

    Returns:
        Split with x ``(n, 16000)`` float32 in [-1, 1], y in 0..11 (:data:`CLASSES`),
        groups = speaker id ("" for silence), lengths = samples read before padding.
    """
    if split is not None and split not in SPLITS:
        raise DatasetError(f"unknown split {split!r}: choose from {list(SPLITS)} or None")
    root = Path(root)
    clips = [c for c in list_clips(root, validation_percentage=validation_percentage,
                                   testing_percentage=testing_percentage)
             if split is None or c.split == split]
    rng = np.random.default_rng(seed)
    in_unknown_folder = [c for c in clips if c.label == UNKNOWN_INDEX
                         and c.path.parent.name == UNKNOWN]
    other_words = [c for c in clips if c.label == UNKNOWN_INDEX
                   and c.path.parent.name != UNKNOWN]
    targets = [c for c in clips if c.label != UNKNOWN_INDEX]
    num_words = sum(c.label < len(WORDS) for c in targets)
    if unknown_fraction is not None and other_words:
        keep = min(len(other_words), math.ceil(num_words * unknown_fraction))
        chosen = rng.choice(len(other_words), size=keep, replace=False)
        other_words = [other_words[i] for i in sorted(chosen)]
    clips = targets + in_unknown_folder + other_words

    noise_dir = Path(noise_dir) if noise_dir is not None else root / BACKGROUND_NOISE_DIR
    need_noise = background_frequency > 0 or (
        silence_fraction > 0 and not (root / SILENCE).is_dir())
    noises = read_background_noise(noise_dir) if need_noise and noise_dir.is_dir() else []
    if background_frequency > 0 and not noises:
        raise DatasetError(f"background_frequency={background_frequency} needs noise clips: "
                           f"{noise_dir} does not exist")

    audio, labels, speakers, lengths = [], [], [], []
    for clip in clips:
        wav, rate = read_wav(clip.path)
        if rate != SAMPLE_RATE:
            raise DatasetError(f"{clip.path}: {rate} Hz; expected {SAMPLE_RATE} Hz "
                               f"(no resampling)")
        audio.append(fit_length(wav, NUM_SAMPLES))
        labels.append(clip.label)
        speakers.append(clip.speaker)
        lengths.append(min(len(wav), NUM_SAMPLES))
    if background_frequency > 0 and audio:
        audio = list(mix_background(np.stack(audio), noises, frequency=background_frequency,
                                    volume=background_volume, seed=seed + 1))
    if not (root / SILENCE).is_dir() and silence_fraction > 0:
        for _ in range(math.ceil(num_words * silence_fraction)):
            window = (_noise_window(noises, rng) * rng.uniform(0.0, 1.0) if noises
                      else np.zeros(NUM_SAMPLES, np.float32))
            audio.append(window.astype(np.float32))
            labels.append(SILENCE_INDEX)
            speakers.append("")
            lengths.append(NUM_SAMPLES)
    if not audio:
        raise DatasetError(f"{root}: no clips in split {split!r}")
    return Split(np.stack(audio).astype(np.float32, copy=False), np.array(labels, np.int64),
                 np.array(speakers), np.array(lengths, np.int64))


def load_speech_commands_splits(root: str | os.PathLike, **kwargs) -> Dataset:
    """Train, validation and test splits of a Speech Commands folder (arguments as
    :func:`load_speech_commands`; the full v0.02 needs ~7 GB in memory)."""
    splits = {s: load_speech_commands(root, s, **kwargs) for s in SPLITS}
    root = Path(root)
    has_lists = any((root / f).is_file() for f in _LIST_FILES.values())
    rule = ("validation_list.txt / testing_list.txt" if has_lists else
            f"SHA-1 of the speaker id: {kwargs.get('validation_percentage', 10.0)} % validation, "
            f"{kwargs.get('testing_percentage', 10.0)} % test")
    return Dataset("speech_commands", CLASSES, splits["train"], splits["test"], split_rule=rule,
                   validation=splits["validation"])
