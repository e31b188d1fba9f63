"""IDX parsing and the seeded split on tiny IDX files written by the test."""

import gzip
import struct

import numpy as np
import pytest
from initlab.data import fashion


def write_idx(path, array, magic=None, truncate=0):
    magic = magic if magic is not None else (0x0803 if array.ndim == 3 else 0x0801)
    raw = struct.pack(">I", magic) + b"".join(struct.pack(">I", d) for d in array.shape) + array.tobytes()
    with gzip.open(path, "wb") as f:
        f.write(raw[: len(raw) - truncate])
    return path


@pytest.fixture
def pair(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(5, 28, 28), dtype=np.uint8)
    labels = np.array([0, 9, 3, 3, 1], dtype=np.uint8)
    return images, labels, write_idx(tmp_path / "img.gz", images), write_idx(tmp_path / "lbl.gz", labels)


def test_pair_is_flattened_and_scaled(pair):
    images, labels, img_path, lbl_path = pair
    x, y = fashion.load_pair(img_path, lbl_path)
    assert x.shape == (5, 784) and x.dtype == np.float32 and y.dtype == np.int64
    np.testing.assert_array_equal(x * 255, images.reshape(5, 784).astype(np.float32))
    np.testing.assert_array_equal(y, labels)


def test_wrong_magic_number_is_named(tmp_path, pair):
    images, labels, _, lbl_path = pair
    bad = write_idx(tmp_path / "bad.gz", images, magic=0x0801 + 0x0200)
    with pytest.raises(fashion.IdxError, match=r"bad\.gz: magic number 0x00000a01, expected 0x00000803"):
        fashion.load_pair(bad, lbl_path)


def test_short_data_is_detected(tmp_path, pair):
    images, *_ = pair
    short = write_idx(tmp_path / "short.gz", images, truncate=7)
    with pytest.raises(fashion.IdxError, match=r"short\.gz: header promises \(5, 28, 28\) = 3920 bytes"):
        fashion.read_idx(short, fashion.IMAGE_MAGIC)


def test_truncated_gzip_is_detected(tmp_path, pair):
    _, _, img_path, _ = pair
    truncated = tmp_path / "truncated.gz"
    truncated.write_bytes(img_path.read_bytes()[:-20])
    with pytest.raises(fashion.IdxError, match=r"truncated\.gz: not a complete gzip file"):
        fashion.read_idx(truncated, fashion.IMAGE_MAGIC)


def test_count_mismatch_is_detected(tmp_path, pair):
    _, labels, img_path, _ = pair
    four = write_idx(tmp_path / "four.gz", labels[:4])
    with pytest.raises(fashion.IdxError, match="has 5 images but .*four.gz has 4 labels"):
        fashion.load_pair(img_path, four)


def test_split_is_seeded_disjoint_and_complete():
    train, valid = fashion.split_indices(60000, 0.2, seed=0)
    assert len(train) == 48000 and len(valid) == 12000
    assert np.array_equal(np.sort(np.concatenate([train, valid])), np.arange(60000))
    again, _ = fashion.split_indices(60000, 0.2, seed=0)
    other, _ = fashion.split_indices(60000, 0.2, seed=1)
    assert np.array_equal(train, again) and not np.array_equal(train, other)
