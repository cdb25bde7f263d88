"""Speech Commands folder loader on small generated folders, and on the developers' copy of
the real test-set part and background noise when present."""

import math
from pathlib import Path

import numpy as np
import pytest

from tflm_pipeline.datasets import DatasetError, group_split_mask
from tflm_pipeline.datasets import speech_commands as sc
from tflm_pipeline.datasets._wav import write_wav

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
REAL_TEST_DEV = SHARED_DATA / "speech_commands_v0.02_test_dev"
REAL_NOISE = SHARED_DATA / "speech_commands_background_noise"


def _tone(n, value):
    return np.full(n, value, dtype=np.float64)


def _full_layout(root: Path):
    """Original layout: yes/no/bed words, two list files, one background-noise clip.

    Every clip's constant value encodes (word, speaker) so the test can tell clips apart.
    """
    clips = {}
    words = {"yes": 0.1, "no": 0.2, "bed": 0.3, "tree": 0.4}
    for word, base in words.items():
        (root / word).mkdir(parents=True)
        for k, speaker in enumerate(["aaaa0001", "bbbb0002", "cccc0003", "dddd0004"]):
            n = 8000 if word == "yes" else 16000 if word == "no" else 20000  # 0.5 s, 1 s, 1.25 s
            name = f"{word}/{speaker}_nohash_0.wav"
            clips[name] = base + 0.01 * k
            write_wav(root / name, _tone(n, clips[name]), 16000)
    (root / "validation_list.txt").write_text("yes/bbbb0002_nohash_0.wav\nno/bbbb0002_nohash_0.wav\n")
    (root / "testing_list.txt").write_text(
        "yes/cccc0003_nohash_0.wav\nno/cccc0003_nohash_0.wav\nbed/cccc0003_nohash_0.wav\n")
    (root / sc.BACKGROUND_NOISE_DIR).mkdir()
    noise = np.random.default_rng(0).uniform(-0.5, 0.5, 40000)
    write_wav(root / sc.BACKGROUND_NOISE_DIR / "noise.wav", noise, 16000)
    return clips


def test_list_clips_labels_speakers_and_list_splits(tmp_path):
    _full_layout(tmp_path)
    clips = {f"{c.path.parent.name}/{c.path.name}": c for c in sc.list_clips(tmp_path)}
    assert len(clips) == 16  # background noise is not a clip
    assert clips["yes/aaaa0001_nohash_0.wav"].label == sc.CLASSES.index("yes") == 0
    assert clips["no/aaaa0001_nohash_0.wav"].label == 1
    assert clips["bed/aaaa0001_nohash_0.wav"].label == sc.UNKNOWN_INDEX == 11
    assert clips["tree/dddd0004_nohash_0.wav"].speaker == "dddd0004"
    assert clips["yes/bbbb0002_nohash_0.wav"].split == "validation"
    assert clips["bed/cccc0003_nohash_0.wav"].split == "test"
    assert clips["tree/cccc0003_nohash_0.wav"].split == "train"  # not listed


def test_load_train_split_pads_samples_unknown_and_makes_silence(tmp_path):
    values = _full_layout(tmp_path)
    train = sc.load_speech_commands(tmp_path, "train", unknown_fraction=0.5, silence_fraction=0.5)
    # Train target words: yes and no of speakers aaaa0001, dddd0004 -> 4 clips;
    # unknown: ceil(4 * 0.5) = 2 of the 5 train bed/tree clips; silence: ceil(4 * 0.5) = 2.
    assert train.x.shape == (8, 16000) and train.x.dtype == np.float32
    assert np.bincount(train.y, minlength=12).tolist() == [2, 2] + [0] * 8 + [2, 2]
    assert set(train.groups[train.y < 10]) == {"aaaa0001", "dddd0004"}
    assert train.groups[train.y == sc.SILENCE_INDEX].tolist() == ["", ""]
    # yes clips are 0.5 s: the value, then zero padding at the end.
    yes = train.x[train.y == 0][0]
    assert train.lengths[train.y == 0][0] == 8000
    np.testing.assert_allclose(yes[:8000], values["yes/aaaa0001_nohash_0.wav"], atol=1e-4)
    assert not yes[8000:].any()
    # Unknown clips (1.25 s) are cut to 1 s.
    assert (train.lengths[train.y == sc.UNKNOWN_INDEX] == 16000).all()
    # Made silence is scaled background noise (not zero, below the noise peak).
    silence = train.x[train.y == sc.SILENCE_INDEX]
    assert (np.abs(silence).max(axis=1) > 0).all() and np.abs(silence).max() <= 0.5
    # Same seed, same data; another seed picks other unknowns / silence.
    again = sc.load_speech_commands(tmp_path, "train", unknown_fraction=0.5, silence_fraction=0.5)
    np.testing.assert_array_equal(again.x, train.x)
    other = sc.load_speech_commands(tmp_path, "train", unknown_fraction=0.5, silence_fraction=0.5,
                                    seed=3)
    assert not np.array_equal(other.x, train.x)


def test_load_all_unknowns_and_no_silence(tmp_path):
    _full_layout(tmp_path)
    test = sc.load_speech_commands(tmp_path, "test", unknown_fraction=None, silence_fraction=0)
    assert sorted(test.y.tolist()) == [0, 1, 11]  # tree/cccc0003 is not listed: train
    assert set(test.groups) == {"cccc0003"}


def test_background_mixing_is_seeded_and_bounded(tmp_path):
    _full_layout(tmp_path)
    clean = sc.load_speech_commands(tmp_path, "train", silence_fraction=0)
    mixed = sc.load_speech_commands(tmp_path, "train", silence_fraction=0,
                                    background_frequency=1.0, background_volume=0.2)
    again = sc.load_speech_commands(tmp_path, "train", silence_fraction=0,
                                    background_frequency=1.0, background_volume=0.2)
    np.testing.assert_array_equal(mixed.x, again.x)
    diff = np.abs(mixed.x - clean.x)
    assert (diff.max(axis=1) > 0).all()  # frequency 1: every clip gets noise
    assert diff.max() <= 0.2 * 0.5 + 1e-6  # volume <= 0.2 times a noise peak of 0.5
    noises = sc.read_background_noise(tmp_path / sc.BACKGROUND_NOISE_DIR)
    none = sc.mix_background(clean.x, noises, frequency=0.0)
    np.testing.assert_array_equal(none, clean.x)


def test_test_set_layout_keeps_class_folders(tmp_path):
    for folder, names in {"yes": ["aaaa0001_nohash_0.wav"], "go": ["bbbb0002_nohash_1.wav"],
                          "_unknown_": ["bed_cccc0003_nohash_0.wav.wav"],
                          "_silence_": ["1024.wav", "77.wav"]}.items():
        (tmp_path / folder).mkdir()
        for name in names:
            write_wav(tmp_path / folder / name, _tone(16000, 0.05), 16000)
    data = sc.load_speech_commands(tmp_path, None)  # unknown_fraction does not thin _unknown_
    assert sorted(data.y.tolist()) == [0, 9, 10, 10, 11]
    assert sorted(data.groups.tolist()) == ["", "", "aaaa0001", "bbbb0002", "cccc0003"]


def test_hash_split_without_lists_is_speaker_disjoint(tmp_path):
    (tmp_path / "up").mkdir()
    for s in range(60):
        for k in range(2):
            write_wav(tmp_path / "up" / f"{s:08x}_nohash_{k}.wav", _tone(160, 0.1), 16000)
    clips = sc.list_clips(tmp_path, validation_percentage=30, testing_percentage=30)
    by_split = {split: {c.speaker for c in clips if c.split == split} for split in sc.SPLITS}
    assert all(by_split.values())
    assert not by_split["train"] & by_split["test"] and not by_split["train"] & by_split["validation"]
    assert sc.which_set("up/0000002a_nohash_0.wav", 30, 30) == sc.which_set(
        "down/0000002a_nohash_7.wav", 30, 30)
    data = sc.load_speech_commands_splits(tmp_path, validation_percentage=30,
                                          testing_percentage=30, silence_fraction=0)
    assert len(data.train) + len(data.validation) + len(data.test) == 120
    assert "SHA-1" in data.split_rule


def test_errors(tmp_path):
    with pytest.raises(DatasetError, match="not a folder"):
        sc.load_speech_commands(tmp_path / "absent")
    with pytest.raises(DatasetError, match="no <word>/<clip>.wav"):
        sc.load_speech_commands(tmp_path)
    (tmp_path / "yes").mkdir()
    write_wav(tmp_path / "yes" / "aaaa0001_nohash_0.wav", _tone(100, 0.1), 8000)
    with pytest.raises(DatasetError, match="8000 Hz; expected 16000 Hz"):
        sc.load_speech_commands(tmp_path, None)
    with pytest.raises(DatasetError, match="unknown split 'training'"):
        sc.load_speech_commands(tmp_path, "training")
    with pytest.raises(DatasetError, match="needs noise clips"):
        sc.load_speech_commands(tmp_path, None, background_frequency=0.5)
    (tmp_path / "yes" / "aaaa0001_nohash_0.wav").unlink()
    (tmp_path / "yes" / "bad.wav").write_bytes(b"RIFF....")
    with pytest.raises(DatasetError, match="bad.wav: not a readable PCM WAV"):
        sc.load_speech_commands(tmp_path, None)


def test_group_split_mask_is_disjoint_and_seeded():
    groups = np.array(["a", "a", "b", "c", "c", "d", "", ""])
    mask = group_split_mask(groups, 0.5, seed=1)
    named = groups != ""
    assert not set(groups[mask & named]) & set(groups[~mask & named])
    assert len(set(groups[mask & named])) == 2
    np.testing.assert_array_equal(mask, group_split_mask(groups, 0.5, seed=1))


@pytest.mark.skipif(not REAL_TEST_DEV.is_dir() or not REAL_NOISE.is_dir(),
                    reason=f"developer data absent ({REAL_TEST_DEV}, {REAL_NOISE}): a copy of "
                           f"the Speech Commands test-set part for developers/CI, not shipped")
def test_real_test_set_part_and_background_noise():
    data = sc.load_speech_commands(REAL_TEST_DEV, None)
    folder_counts = [len(list((REAL_TEST_DEV / name).glob("*.wav"))) for name in sc.CLASSES]
    assert data.x.shape == (sum(folder_counts), 16000) == (2679, 16000)
    assert np.bincount(data.y, minlength=12).tolist() == folder_counts
    assert (data.lengths == 16000).all() and np.abs(data.x).max() <= 1.0
    speakers = set(data.groups) - {""}
    assert len(speakers) == 147
    assert (data.groups[data.y == sc.SILENCE_INDEX] == "").all()
    # The split rule we implement is the dataset's: every speaker of its test set hashes to test.
    assert {sc.which_set(f"{s}_nohash_0.wav", 10, 10) for s in speakers} == {"test"}
    # Speaker-disjoint train/validation split of this folder for development.
    val = group_split_mask(data.groups, 0.2, seed=0)
    assert not set(data.groups[val]) & set(data.groups[~val]) - {""}
    # Noise mixing with the real background clips: seeded, bounded by the volume.
    noises = sc.read_background_noise(REAL_NOISE)
    assert len(noises) == 6 and sum(len(n) for n in noises) / 16000 == pytest.approx(399.4, abs=0.1)
    part = data.x[:50]
    mixed = sc.mix_background(part, noises, frequency=1.0, volume=0.1, seed=7)
    np.testing.assert_array_equal(mixed, sc.mix_background(part, noises, frequency=1.0,
                                                           volume=0.1, seed=7))
    assert (np.abs(mixed - part).max(axis=1) > 0).all()
    assert np.abs(mixed - part).max() <= 0.1 + 1e-6
