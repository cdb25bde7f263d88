"""Fashion-MNIST (Zalando): 70,000 grey 28x28 images of 10 clothing classes.

Read from Debian's ``dataset-fashion-mnist`` package (``apt-get install dataset-fashion-mnist``),
which installs the four gzipped idx files under ``/usr/share/datasets/fashion-mnist/``; any
folder holding the same four files (gzipped or not) works too.

Output x is ``(n, 28, 28)`` float32 in [0, 1] (pixel / 255). For a row-by-row RNN the same array
is already a sequence: 28 time steps (rows) of 28 features (pixels); add a channel axis
(``x[..., None]``) for a CNN. Split: the dataset's own 60,000 train / 10,000 test.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np

from tflm_pipeline.datasets._common import Dataset, DatasetError, Split

CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
           "Bag", "Ankle boot")
DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
APT_PACKAGE = "dataset-fashion-mnist"
FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}

# idx type code -> big-endian numpy dtype (http://yann.lecun.com/exdb/mnist/ file format)
_IDX_DTYPES = {0x08: np.dtype("u1"), 0x09: np.dtype("i1"), 0x0B: np.dtype(">i2"),
               0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


def parse_idx(data: bytes, name: str = "idx data") -> np.ndarray:
    """Decode idx bytes: 2 zero bytes, a type code, the number of dimensions, one big-endian
    uint32 per dimension, then the values in C order (big-endian). Gzipped input is inflated."""
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as e:
            raise DatasetError(f"{name}: broken gzip stream ({e})") from None
    if len(data) < 4 or data[:2] != b"\x00\x00" or data[2] not in _IDX_DTYPES:
        raise DatasetError(f"{name}: not an idx file (magic bytes {data[:4].hex() or 'none'})")
    ndim = data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise DatasetError(f"{name}: idx header truncated ({len(data)} bytes)")
    shape = tuple(int(d) for d in np.frombuffer(data, ">u4", count=ndim, offset=4))
    dtype = _IDX_DTYPES[data[2]]
    expected = header + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(data) != expected:
        raise DatasetError(f"{name}: {len(data)} bytes, the idx header {shape} needs {expected}")
    return np.frombuffer(data, dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an idx file (optionally gzipped) into a native-endian numpy array."""
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise DatasetError(f"{path}: cannot read ({e.strerror})") from None
    return parse_idx(data, str(path))


def _find(folder: Path, stem: str) -> Path:
    for name in (stem + ".gz", stem):
        if (folder / name).is_file():
            return folder / name
    if folder == DEBIAN_DIR:
        raise DatasetError(f"Fashion-MNIST not found in {folder}: apt-get install {APT_PACKAGE}")
    raise DatasetError(f"{folder}: no {stem}[.gz]; expected the four Fashion-MNIST idx files")


def _read_split(folder: Path, split: str) -> Split:
    images_stem, labels_stem = FILES[split]
    images = read_idx(_find(folder, images_stem))
    labels = read_idx(_find(folder, labels_stem))
    if images.ndim != 3 or images.shape[1:] != (28, 28) or images.dtype != np.uint8:
        raise DatasetError(f"{folder}/{images_stem}: {images.dtype} {images.shape}, "
                           f"expected uint8 (n, 28, 28)")
    if labels.shape != (images.shape[0],):
        raise DatasetError(f"{folder}/{labels_stem}: shape {labels.shape}, expected "
                           f"({images.shape[0]},) to match the images")
    if labels.size and labels.max() >= len(CLASSES):
        raise DatasetError(f"{folder}/{labels_stem}: label {int(labels.max())} outside 0..9")
    return Split(images.astype(np.float32) / np.float32(255.0), labels.astype(np.int64))


def load_fashion_mnist(root: str | os.PathLike | None = None) -> Dataset:
    """Fashion-MNIST train (60,000) and test (10,000) splits.

    Args:
        root: folder with ``train-images-idx3-ubyte[.gz]``, ``train-labels-idx1-ubyte[.gz]``,
            ``t10k-images-idx3-ubyte[.gz]``, ``t10k-labels-idx1-ubyte[.gz]``; default: Debian's
            ``/usr/share/datasets/fashion-mnist``.

    Returns:
        Dataset with x ``(n, 28, 28)`` float32 in [0, 1] (rows = RNN time steps), y 0..9
        (:data:`CLASSES`), groups None.
    """
    folder = Path(root) if root is not None else DEBIAN_DIR
    if root is None and not folder.is_dir():
        raise DatasetError(f"Fashion-MNIST not found in {folder}: apt-get install {APT_PACKAGE}")
    return Dataset("fashion_mnist", CLASSES, _read_split(folder, "train"),
                   _read_split(folder, "test"), split_rule="the dataset's own train/test files")
