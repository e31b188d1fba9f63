"""Development check: do two results/ trees hold the same numbers? For refactors that must change none.

Compares every JSON, CSV and NPZ file under the two folders (job logs left out), ignoring the fields
that record elapsed time, which no two runs share. Prints one line per file that differs or exists
on one side only, then a count; exits 1 when anything differs.

    python bench/same_results.py BEFORE/results AFTER/results
"""

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

TIME_FIELDS = {"seconds", "cpu_seconds", "seconds_mean"}
SUFFIXES = {".json", ".csv", ".npz"}


def without_time(obj):
    if isinstance(obj, dict):
        return {k: without_time(v) for k, v in obj.items() if k not in TIME_FIELDS}
    if isinstance(obj, list):
        return [without_time(v) for v in obj]
    return obj


def same(a, b):
    """Whether files a and b hold the same data, time fields aside."""
    if a.read_bytes() == b.read_bytes():
        return True
    if a.suffix == ".json":
        return without_time(json.loads(a.read_text())) == without_time(json.loads(b.read_text()))
    if a.suffix == ".csv":
        fa, fb = pd.read_csv(a), pd.read_csv(b)
        kept = [c for c in fa.columns if c not in TIME_FIELDS]
        return list(fa.columns) == list(fb.columns) and fa[kept].equals(fb[kept])
    with np.load(a) as x, np.load(b) as y:
        return sorted(x.files) == sorted(y.files) and all(np.array_equal(x[k], y[k], equal_nan=True) for k in x.files)


def files(root):
    return {p.relative_to(root) for p in root.rglob("*") if p.suffix in SUFFIXES and "logs" not in p.parts}


def main(before, after):
    before, after = Path(before), Path(after)
    names = files(before) | files(after)
    differ = []
    for name in sorted(names):
        if not (before / name).exists() or not (after / name).exists():
            differ.append(f"{name}: only in {'after' if not (before / name).exists() else 'before'}")
        elif not same(before / name, after / name):
            differ.append(f"{name}: differs")
    print("\n".join(differ + [f"{len(names)} files compared ({', '.join(sorted(SUFFIXES))}; fields "
                              f"{', '.join(sorted(TIME_FIELDS))} ignored): {len(names) - len(differ)} the same, "
                              f"{len(differ)} differ"]))
    return 1 if differ else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
