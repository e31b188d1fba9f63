"""Checks on the tracked files themselves."""

import subprocess

from conftest import ROOT

MARKERS = ("<<<<<<< ", ">>>>>>> ")  # what git writes around an unresolved merge conflict


def test_no_tracked_file_holds_merge_conflict_markers():
    names = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    found = []
    for name in filter(None, names.decode().split("\0")):
        path = ROOT / name
        if not path.is_file() or path.stat().st_size > 2_000_000:
            continue
        try:
            lines = path.read_text().splitlines()
        except UnicodeDecodeError:  # binary files (figures, archives) cannot hold a text conflict
            continue
        found += [f"{name}:{n}" for n, line in enumerate(lines, 1) if line.startswith(MARKERS)]
    assert not found, f"unresolved merge conflict markers at {found}"
