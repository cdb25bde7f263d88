"""Fashion-MNIST: the idx parser on generated files, and Debian's package data when installed."""

import gzip

import numpy as np
import pytest

from tflm_pipeline.datasets import DatasetError, fashion_mnist


def _idx_bytes(array: np.ndarray, code: int) -> bytes:
    header = bytes([0, 0, code, array.ndim]) + np.array(array.shape, ">u4").tobytes()
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


@pytest.mark.parametrize("dtype,code", [("u1", 0x08), ("i1", 0x09), ("i2", 0x0B),
                                        ("i4", 0x0C), ("f4", 0x0D), ("f8", 0x0E)])
def test_parse_idx_types_and_gzip(dtype, code):
    offset = 0 if dtype == "u1" else 5  # negative values for the signed types
    array = (np.arange(24).reshape(2, 3, 4) - offset).astype(dtype)
    data = _idx_bytes(array, code)
    for blob in (data, gzip.compress(data)):
        parsed = fashion_mnist.parse_idx(blob)
        assert parsed.dtype == np.dtype(dtype) and parsed.dtype.isnative
        np.testing.assert_array_equal(parsed, array)


def test_parse_idx_rejects_bad_input():
    good = _idx_bytes(np.zeros((2, 3), "u1"), 0x08)
    with pytest.raises(DatasetError, match="not an idx file"):
        fashion_mnist.parse_idx(b"\x89PNG....", "x.png")
    with pytest.raises(DatasetError, match="the idx header \\(2, 3\\) needs 18"):
        fashion_mnist.parse_idx(good[:-1])
    with pytest.raises(DatasetError, match="broken gzip"):
        fashion_mnist.parse_idx(gzip.compress(good)[:-6])


def _write_split(folder, stems, n, rng, gz):
    images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=n, dtype=np.uint8)
    for stem, array in zip(stems, (images, labels)):
        data = _idx_bytes(array, 0x08)
        if gz:
            (folder / (stem + ".gz")).write_bytes(gzip.compress(data))
        else:
            (folder / stem).write_bytes(data)
    return images, labels


@pytest.mark.parametrize("gz", [True, False])
def test_load_generated_folder(tmp_path, gz):
    rng = np.random.default_rng(0)
    train = _write_split(tmp_path, fashion_mnist.FILES["train"], 5, rng, gz)
    test = _write_split(tmp_path, fashion_mnist.FILES["test"], 3, rng, gz)
    data = fashion_mnist.load_fashion_mnist(tmp_path)
    for split, (images, labels) in ((data.train, train), (data.test, test)):
        assert split.x.dtype == np.float32 and split.x.shape == (len(labels), 28, 28)
        np.testing.assert_array_equal(np.round(split.x * 255).astype(np.uint8), images)
        assert split.y.dtype == np.int64 and split.y.tolist() == labels.tolist()
        assert 0.0 <= split.x.min() and split.x.max() <= 1.0


def test_missing_files(tmp_path):
    with pytest.raises(DatasetError, match="no train-images-idx3-ubyte"):
        fashion_mnist.load_fashion_mnist(tmp_path)


def test_missing_debian_package_names_apt(monkeypatch, tmp_path):
    monkeypatch.setattr(fashion_mnist, "DEBIAN_DIR", tmp_path / "absent")
    with pytest.raises(DatasetError, match="apt-get install dataset-fashion-mnist"):
        fashion_mnist.load_fashion_mnist()


@pytest.mark.skipif(not fashion_mnist.DEBIAN_DIR.is_dir(),
                    reason="Debian data absent: apt-get install dataset-fashion-mnist")
def test_debian_fashion_mnist():
    data = fashion_mnist.load_fashion_mnist()
    assert data.train.x.shape == (60000, 28, 28) and data.test.x.shape == (10000, 28, 28)
    assert data.train.x.dtype == np.float32
    assert data.train.x.min() == 0.0 and data.train.x.max() == 1.0
    assert np.bincount(data.train.y).tolist() == [6000] * 10
    assert np.bincount(data.test.y).tolist() == [1000] * 10
    assert data.class_names[9] == "Ankle boot"
