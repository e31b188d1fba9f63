"""Atomic file writes: a target appears complete or not at all."""

import json
import os
import stat
import tempfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np


@contextmanager
def atomic_path(target, suffix=""):
    """Yield a temporary path beside `target`; rename it onto `target` on success.

    The file is fsynced before the rename and its directory after it, so after a crash or power loss
    `target` holds either its old content or the complete new one, on any file system that honours
    fsync (not only those, like ext4's default, that order a rename after the data it replaces).
    On any exception the temporary file is removed and `target` is left untouched.
    `suffix` keeps extensions that writers insist on (np.savez appends ".npz").
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=f".tmp{suffix}", dir=target.parent)
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the target the usual permissions
    try:
        yield Path(tmp)
        _fsync(tmp)  # the bytes reach the disk before the name does
        os.replace(tmp, target)
        _fsync(target.parent)  # and the rename itself survives a power loss
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def remove_stale(target):
    """Remove the temporary files of `target` that a killed writer left beside it (atomic_path's
    `.<name>.*.tmp`: a killed process runs no cleanup); only regular files of this user's. Returns their
    names. Call it only where no other process writes `target` at the same time (one job per output)."""
    target = Path(target)
    removed = []
    for path in target.parent.glob(f".{target.name}.*.tmp"):
        st = os.lstat(path)
        if stat.S_ISREG(st.st_mode) and st.st_uid == os.geteuid():
            path.unlink()
            removed.append(path.name)
    return removed


def _fsync(path):
    """Flush a file's or a directory's data and metadata to the disk (POSIX: a directory opened read-only)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_json(target, obj):
    """Write `obj` as indented JSON; NaN and inf are written as null (valid JSON)."""
    with atomic_path(target) as tmp:
        tmp.write_text(json.dumps(_finite(obj), indent=1, allow_nan=False) + "\n")


def write_csv(target, frame):
    """Write a pandas DataFrame as CSV without its index."""
    with atomic_path(target) as tmp:
        frame.to_csv(tmp, index=False)


def save_npz(target, **arrays):
    """Save named numpy arrays to one uncompressed .npz file."""
    with atomic_path(target, suffix=".npz") as tmp:
        np.savez(tmp, **arrays)


def save_figure(target, fig):
    """Save a matplotlib figure (format from the target's extension)."""
    suffix = Path(target).suffix
    with atomic_path(target, suffix=suffix) as tmp:
        fig.savefig(tmp, format=suffix.lstrip("."), bbox_inches="tight", dpi=110)


def _finite(obj):
    if isinstance(obj, float) and not np.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    if isinstance(obj, np.generic):
        return _finite(obj.item())
    return obj
