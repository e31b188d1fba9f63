"""Benchmark: how long Snakemake takes to decide there is nothing to do, and what one parameter change reruns.

    python bench/bench_noop.py data                       # the data stage
    python bench/bench_noop.py all --set fashion_mnist.split_seed=1

In a scratch copy of the workflow (mirror files linked): one full run of TARGET, then REPEAT no-op
runs of `snakemake --cores 8 TARGET` (goal: at most 3 s each), then one parameter change in
config.yaml and a dry run that lists what would rerun. Prints seconds and ratios; asserts nothing.
"""

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
GOAL_NOOP_S = 3.0


def copy_workflow(dest):
    shutil.copy(ROOT / "Snakefile", dest)
    shutil.copy(ROOT / "config.yaml", dest)
    shutil.copytree(ROOT / "workflow", dest / "workflow", ignore=shutil.ignore_patterns("__pycache__"))
    (dest / "resources" / "mirror").mkdir(parents=True)
    for f in (ROOT / "resources" / "mirror").iterdir():
        (dest / "resources" / "mirror" / f.name).symlink_to(f)


def timed(cmd, cwd):
    """Run cmd; return (Timing(wall s, CPU s of the child and its children), output)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{done.stdout[-4000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Timing(wall, cpu), done.stdout


class Timing(tuple):
    """(wall, cpu) seconds; CPU time is what the machine's load does not inflate."""

    def __new__(cls, wall, cpu):
        return super().__new__(cls, (wall, cpu))

    def __str__(self):
        return f"{self[0]:.2f} s wall, {self[1]:.2f} s CPU"


def median(timings):
    return Timing(statistics.median(t[0] for t in timings), statistics.median(t[1] for t in timings))


def set_config(path, assignment):
    """Apply 'a.b.c=value' (value parsed as YAML) to config.yaml; return the old value."""
    key, value = assignment.split("=", 1)
    config = yaml.safe_load(path.read_text())
    *parents, leaf = key.split(".")
    node = config
    for part in parents:
        node = node.setdefault(part, {})
    old = node.get(leaf)
    node[leaf] = yaml.safe_load(value)
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return old


def jobs_to_run(dry_run_output):
    """{rule: count} from the job stats table of a dry run."""
    counts, in_table = {}, False
    for line in dry_run_output.splitlines():
        parts = line.split()
        if parts[:2] == ["job", "count"]:
            in_table = True
        elif in_table and len(parts) == 2 and parts[1].isdigit():
            if parts[0] == "total":
                break
            counts[parts[0]] = int(parts[1])
    return counts


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("target", help="Snakemake target to build, e.g. data or all")
    parser.add_argument("--set", default="fashion_mnist.split_seed=1", metavar="KEY=VALUE",
                        help="the one parameter change (dotted config key; default %(default)s)")
    parser.add_argument("--repeat", type=int, default=3, help="no-op runs to time (median reported)")
    args = parser.parse_args()
    snakemake = [sys.executable, "-m", "snakemake"]
    with tempfile.TemporaryDirectory(prefix="initlab-bench-") as tmp:
        wf = Path(tmp)
        copy_workflow(wf)
        full, _ = timed([*snakemake, "--cores", "8", args.target], wf)
        startup = median([timed([*snakemake, "--version"], wf)[0] for _ in range(args.repeat)])
        noops = [timed([*snakemake, "--cores", "8", args.target], wf) for _ in range(args.repeat)]
        if not all("Nothing to be done" in out for _, out in noops):
            sys.exit("the no-op run ran jobs: something is not cached")
        noop = median([t for t, _ in noops])
        old = set_config(wf / "config.yaml", args.set)
        dry, out = timed([*snakemake, "--cores", "8", "-n", args.target], wf)
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} (wall times grow with load)")
    print(f"target {args.target!r}: full run {full}")
    print(f"no-op `snakemake --cores 8 {args.target}`: {noop} (median of {args.repeat}); "
          f"wall {noop[0] / GOAL_NOOP_S:.2f} x the {GOAL_NOOP_S:g} s goal; "
          f"CPU {noop[1] / startup[1]:.1f} x bare `snakemake --version` ({startup})")
    print(f"dry run after {args.set} (was {old!r}): {dry}, would rerun {jobs_to_run(out) or 'nothing'}")


if __name__ == "__main__":
    main()
