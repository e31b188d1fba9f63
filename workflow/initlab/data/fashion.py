"""Fashion-MNIST: IDX parsing with numpy and the seeded train/validation split.

IDX format: a big-endian header (magic number, then one uint32 per dimension) followed
by the uint8 data. Magic 0x00000803 is a 3-d image array, 0x00000801 a 1-d label array.
"""

import gzip
import zlib

import numpy as np

IMAGE_MAGIC, LABEL_MAGIC = 0x00000803, 0x00000801
SIDE = 28  # pixels per image side
CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")


class IdxError(ValueError):
    """An IDX file is truncated, corrupt or of the wrong kind."""


def read_idx(path, magic):
    """Return the uint8 array stored in a gzipped IDX file, checking magic number and size."""
    try:
        with gzip.open(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError, zlib.error) as error:
        raise IdxError(f"{path}: not a complete gzip file ({error})") from None
    ndim = magic & 0xFF
    header = 4 * (1 + ndim)
    if len(raw) < header:
        raise IdxError(f"{path}: {len(raw)} bytes, shorter than the {header}-byte IDX header")
    found = int.from_bytes(raw[:4], "big")
    if found != magic:
        raise IdxError(f"{path}: magic number {found:#010x}, expected {magic:#010x}")
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    expected = int(np.prod(shape))
    if len(raw) - header != expected:
        raise IdxError(f"{path}: header promises {shape} = {expected} bytes of data, found {len(raw) - header}")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def load_pair(images_path, labels_path):
    """Return (images (n, 784) float32 in [0, 1], labels (n,) int64)."""
    images = read_idx(images_path, IMAGE_MAGIC)
    labels = read_idx(labels_path, LABEL_MAGIC)
    if images.shape[1:] != (SIDE, SIDE):
        raise IdxError(f"{images_path}: images are {images.shape[1:]}, expected ({SIDE}, {SIDE})")
    if len(images) != len(labels):
        raise IdxError(f"{images_path} has {len(images)} images but {labels_path} has {len(labels)} labels")
    if labels.size and labels.max() >= len(CLASSES):
        raise IdxError(f"{labels_path}: label {labels.max()} outside 0..{len(CLASSES) - 1}")
    return images.reshape(len(images), SIDE * SIDE).astype(np.float32) / 255.0, labels.astype(np.int64)


def split_indices(n, valid_fraction, seed):
    """Shuffle range(n) with `seed`; the first floor(valid_fraction * n) are validation (as the Udacity lesson does)."""
    order = np.random.default_rng(seed).permutation(n)
    n_valid = int(np.floor(valid_fraction * n))
    return order[n_valid:], order[:n_valid]
