"""Atomic writes (initlab.infra.atomic): complete target or old target, never a torn file or a leftover temp."""

import json
import os
import stat
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from initlab.infra import atomic


def entries(directory):
    return sorted(p.name for p in directory.iterdir())


@pytest.fixture
def umask():
    """Set the process umask for one test, restoring it afterwards."""
    saved = os.umask(0o022)
    os.umask(saved)
    yield lambda mask: os.umask(mask)
    os.umask(saved)


def test_success_renames_the_temp_file_onto_the_target(tmp_path):
    target = tmp_path / "out.txt"
    with atomic.atomic_path(target, suffix=".txt") as tmp:
        assert tmp.parent == tmp_path and tmp != target  # beside the target: rename stays on one filesystem
        assert tmp.name.startswith(".out.txt.") and tmp.name.endswith(".tmp.txt")
        tmp.write_text("new")
        assert not target.exists()  # nothing at the target until the writer finished
    assert target.read_text() == "new"
    assert entries(tmp_path) == ["out.txt"]


def test_the_target_is_replaced_by_a_rename_never_rewritten_in_place(tmp_path):
    """A reader that opened the old target keeps reading it whole, and a hard link to it (the test fixtures
    link prepared data) keeps the old bytes: the new file is another inode renamed onto the name."""
    target, link = tmp_path / "out.txt", tmp_path / "linked.txt"
    target.write_text("old content")
    os.link(target, link)
    old_inode = target.stat().st_ino
    with open(target) as reader:
        with atomic.atomic_path(target) as tmp:
            tmp.write_text("new")
            new_inode = tmp.stat().st_ino
        assert reader.read() == "old content"
    assert target.read_text() == "new" and link.read_text() == "old content"
    assert target.stat().st_ino == new_inode != old_inode


def test_missing_parent_directories_are_created(tmp_path):
    target = tmp_path / "a" / "b" / "c.json"
    atomic.write_json(target, {"x": 1})
    assert json.loads(target.read_text()) == {"x": 1}


class WriterFailed(Exception):
    pass


def test_a_failing_writer_leaves_the_old_target_and_no_temp_file(tmp_path):
    target = tmp_path / "result.txt"
    target.write_text("old")
    with pytest.raises(WriterFailed), atomic.atomic_path(target) as tmp:
        tmp.write_text("half of the new")
        raise WriterFailed
    assert target.read_text() == "old"
    assert entries(tmp_path) == ["result.txt"]


def test_a_failing_writer_creates_no_target(tmp_path):
    with pytest.raises(WriterFailed), atomic.atomic_path(tmp_path / "new.txt"):
        raise WriterFailed
    assert entries(tmp_path) == []


def test_failing_json_csv_and_npz_writers_keep_the_old_file(tmp_path):
    for name in ("r.json", "r.csv", "r.npz"):
        (tmp_path / name).write_bytes(b"old")

    class Unpicklable:
        def __reduce__(self):
            raise WriterFailed("cannot pickle")

    with pytest.raises(TypeError):  # a set is not JSON
        atomic.write_json(tmp_path / "r.json", {"fine": 1.0, "bad": {1, 2}})
    with pytest.raises(AttributeError):
        atomic.write_csv(tmp_path / "r.csv", "not a frame")
    with pytest.raises(WriterFailed):
        atomic.save_npz(tmp_path / "r.npz", good=np.arange(3), bad=np.array([Unpicklable()], dtype=object))
    assert {n: (tmp_path / n).read_bytes() for n in entries(tmp_path)} == {n: b"old" for n in
                                                                          ("r.csv", "r.json", "r.npz")}


@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600), (0o002, 0o664)])
def test_permissions_follow_the_umask_not_mkstemps_0600(tmp_path, umask, mask, mode):
    umask(mask)
    target = tmp_path / "perm.json"
    atomic.write_json(target, [1])
    assert stat.S_IMODE(target.stat().st_mode) == mode
    plain = tmp_path / "plain.txt"  # what open() would have given: the oracle
    plain.write_text("x")
    assert stat.S_IMODE(plain.stat().st_mode) == mode


def test_json_writes_non_finite_numbers_as_null_everywhere(tmp_path):
    target = tmp_path / "m.json"
    obj = {"nan": float("nan"), "inf": float("inf"), "ninf": -float("inf"), "ok": 0.5,
           "nested": {"list": [1.0, float("nan"), (2, float("inf"))]},
           "numpy": [np.float64("nan"), np.float32("inf"), np.float32(1.5), np.int64(7), np.bool_(True)], "text": "NaN"}
    atomic.write_json(target, obj)
    text = target.read_text()

    def refuse(constant):
        raise AssertionError(f"non-JSON constant {constant} in the file")

    assert json.loads(text, parse_constant=refuse) == {
        "nan": None, "inf": None, "ninf": None, "ok": 0.5, "nested": {"list": [1.0, None, [2, None]]},
        "numpy": [None, None, 1.5, 7, True], "text": "NaN"}
    assert text.endswith("}\n") and text.startswith("{\n \"nan\": null")  # indent 1, trailing newline


def test_csv_has_no_index_column(tmp_path):
    frame = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}, index=[10, 20])
    atomic.write_csv(tmp_path / "t.csv", frame)
    assert (tmp_path / "t.csv").read_text() == "a,b\n1,x\n2,y\n"


@pytest.mark.parametrize("name", ["arrays.npz", "arrays.bin"])
def test_savez_writes_exactly_the_target_whatever_its_suffix(tmp_path, name):
    target = tmp_path / name
    atomic.save_npz(target, w=np.arange(6.0).reshape(2, 3), steps=np.array([1, 5]))
    assert entries(tmp_path) == [name]  # no "arrays.npz.npz", no temp file left
    with np.load(target) as data:
        assert sorted(data.files) == ["steps", "w"]
        np.testing.assert_array_equal(data["w"], np.arange(6.0).reshape(2, 3))
        np.testing.assert_array_equal(data["steps"], [1, 5])


@pytest.mark.parametrize("name, magic", [("f.png", b"\x89PNG\r\n\x1a\n"), ("f.pdf", b"%PDF"), ("f.svg", b"<?xml")])
def test_figures_are_saved_in_the_targets_format(tmp_path, name, magic):
    fig, ax = plt.subplots()
    ax.plot([1, 2], [3, 4])
    try:
        atomic.save_figure(tmp_path / name, fig)
    finally:
        plt.close(fig)
    assert (tmp_path / name).read_bytes().startswith(magic)
    assert entries(tmp_path) == [name]


def test_figures_are_saved_at_110_dpi_cropped_to_their_content(tmp_path):
    """The pages' figure size: 110 dots per inch, bbox "tight" (the PNG's IHDR width and height)."""
    import io
    import struct

    def png_size(data):
        return struct.unpack(">II", data[16:24])

    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([1, 2], [3, 4])
    try:
        atomic.save_figure(tmp_path / "f.png", fig)
        expected, loose = io.BytesIO(), io.BytesIO()
        fig.savefig(expected, format="png", bbox_inches="tight", dpi=110)
        fig.savefig(loose, format="png", dpi=110)
    finally:
        plt.close(fig)
    width, height = png_size((tmp_path / "f.png").read_bytes())
    assert (width, height) == png_size(expected.getvalue()) != png_size(loose.getvalue()) == (440, 330)


def test_the_file_is_fsynced_complete_before_the_rename_and_its_directory_after(tmp_path, monkeypatch):
    """What survives a power loss: the data is on disk before the name points at it, and the rename is."""
    events = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        path = Path(os.readlink(f"/proc/self/fd/{fd}"))
        events.append(("fsync", path, path.read_text() if path.is_file() else None))
        real_fsync(fd)

    def replace(src, dst):
        events.append(("replace", Path(dst), None))
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    target = tmp_path / "out" / "a.json"
    atomic.write_json(target, {"x": 1})
    assert events[1:] == [("replace", target, None), ("fsync", target.parent, None)]
    kind, path, text = events[0]
    assert kind == "fsync" and path.parent == target.parent and path.name.startswith(".a.json.")
    assert text == '{\n "x": 1\n}\n'  # the complete content, under the temporary name


def test_remove_stale_removes_only_this_targets_regular_temp_files(tmp_path):
    target = tmp_path / "x.csv"
    target.write_text("kept")
    stale = [tmp_path / ".x.csv.abc123.tmp", tmp_path / ".x.csv.def456.tmp"]  # atomic_path's names
    for path in stale:
        path.write_text("torn")
    other = tmp_path / ".y.csv.abc123.tmp"  # another target's: not ours to remove
    other.write_text("torn")
    folder = tmp_path / ".x.csv.dir.tmp"  # not a regular file
    folder.mkdir()
    link = tmp_path / ".x.csv.link.tmp"  # a link (lstat): never followed, never removed
    link.symlink_to(other)
    assert sorted(atomic.remove_stale(target)) == sorted(p.name for p in stale)
    assert not any(p.exists() for p in stale)
    assert target.read_text() == "kept" and other.exists() and folder.is_dir() and link.is_symlink()
    assert atomic.remove_stale(str(target)) == []  # a str target too; nothing left to remove


def test_remove_stale_keeps_another_users_temp_files(tmp_path, monkeypatch):
    path = tmp_path / ".x.csv.abc123.tmp"
    path.write_text("someone else's write in progress")
    monkeypatch.setattr(os, "geteuid", lambda: os.lstat(path).st_uid + 1)
    assert atomic.remove_stale(tmp_path / "x.csv") == [] and path.exists()
