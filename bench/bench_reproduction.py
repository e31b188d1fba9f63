"""Benchmark: the whole default reproduction, where its time goes, and what the pipeline costs a user.

In a scratch copy of this checkout (tracked files only, empty results/), it measures:

1. `snakemake --cores N` (the default target: every study and page) and then `snakemake --report`:
   jobs, wall seconds, CPU seconds of every process they started; from the jobs' own logs (the last
   line of every job log, infra/joblog.py) the median fixed cost per job (job wall minus its work,
   i.e. the seconds before the job's own code runs: interpreter, Snakemake's script preamble,
   imports), the sum of in-job training seconds, and the five rules that cost the most CPU.
2. A no-op dry run of the full workflow (`snakemake -n`) once everything is built.
3. The course-equivalent ratio: the course notes' own work through the pipeline (d2l: linear model,
   default init, 5 folds + final fit + submission; Udacity: the lesson's 7 initializers x 1 seed,
   2 epochs), from empty results/, against the same work as plain loops in one Python process
   (DataLoader loops as the notes write them, data read and preprocessed by the same package
   functions). Goal: ratio <= 1.0.

    python bench/bench_reproduction.py [--cores 8] [--skip-full] [--skip-course]

Run it alone: other work on the machine inflates every number. Prints one block per part.
"""

import argparse
import json
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COST = re.compile(r"job cost: setup=([\d.]+) wall=([\d.]+) cpu=([\d.]+)")
LESSON_INITIALIZERS = ["zeros", "ones", "uniform", "centered", "general_rule", "normal", "default"]


def scratch_copy(dest):
    """The tracked files of this checkout (as they are in the working tree) under dest."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, files.decode().split("\0")):
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    return dest


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(cwd, *args):
    """Run a command in cwd; return (wall seconds, CPU seconds of it and its descendants)."""
    cpu, start = children_cpu(), time.perf_counter()
    done = subprocess.run(args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    wall = time.perf_counter() - start
    if done.returncode:
        sys.exit(f"{' '.join(args)} failed in {cwd}:\n{done.stdout[-4000:]}")
    return wall, children_cpu() - cpu


def snakemake(cwd, cores, *args):
    return run(cwd, sys.executable, "-m", "snakemake", "--cores", str(cores), *args)


def job_costs(results):
    """{log path: (rule, setup, wall, cpu)} from the cost line that ends every job log."""
    costs = {}
    for log in (results / "logs").rglob("*.log"):
        found = COST.findall(log.read_text(errors="replace"))
        if found:
            rule = log.relative_to(results / "logs").parts[0].removesuffix(".log")
            costs[log] = (rule, *map(float, found[-1]))
    return costs


def training_seconds(results):
    """Sum of the `seconds` that training jobs record for their own work, and the count of such files."""
    total, count = 0.0, 0
    for path in results.rglob("*.json"):
        if "logs" in path.parts or "data" in path.parts:
            continue
        record = json.loads(path.read_text())
        if isinstance(record, dict) and isinstance(record.get("seconds"), (int, float)):
            total, count = total + record["seconds"], count + 1
    return total, count


def full_reproduction(cores, keep=None):
    with tempfile.TemporaryDirectory(prefix="initlab-bench-") as tmp:
        wf = scratch_copy(Path(keep) if keep else Path(tmp))
        wall, cpu = snakemake(wf, cores)
        report_wall, report_cpu = snakemake(wf, 1, "--report", "results/report.html")
        noop = min(snakemake(wf, 1, "-n", "--quiet")[0] for _ in range(3))
        costs = job_costs(wf / "results")
        work, runs = training_seconds(wf / "results")
        per_rule = defaultdict(float)
        for rule, _, _, job_cpu in costs.values():
            per_rule[rule] += job_cpu
        print(f"full reproduction, snakemake --cores {cores} then --report, from empty results/:")
        print(f"  jobs with a cost line: {len(costs)}; wall {wall:.1f} s + report {report_wall:.1f} s "
              f"= {wall + report_wall:.1f} s ({(wall + report_wall) / 60:.2f} min); "
              f"CPU {cpu + report_cpu:.1f} s")
        print(f"  in-job training seconds (sum over {runs} result files): {work:.1f} s")
        setups = sorted(setup for _, setup, _, _ in costs.values())
        print(f"  fixed cost per job (interpreter, Snakemake preamble, imports): median "
              f"{statistics.median(setups):.2f} s, total {sum(setups):.1f} s over {len(setups)} jobs")
        top = sorted(per_rule.items(), key=lambda kv: -kv[1])
        print(f"  CPU seconds inside jobs (their cost lines): {sum(per_rule.values()):.1f} s; the rest is "
              "Snakemake's own work")
        print("  rules by CPU seconds: " + ", ".join(f"{rule} {seconds:.1f}" for rule, seconds in top[:5]))
        print("  all rules: " + ", ".join(f"{rule} {seconds:.1f}" for rule, seconds in top[5:]))
        print(f"  no-op dry run (snakemake -n, best of 3): {noop:.2f} s")


COURSE_CONFIG = """
house_prices: {{models: [linear], initializers: [default], search_candidate: false, submission: best}}
initializers: {{initializers: {inits}, seeds: [0], epochs: 2}}
"""


def course_pipeline(cores):
    """Wall seconds of the course notes' work through snakemake, from empty results/."""
    with tempfile.TemporaryDirectory(prefix="initlab-course-") as tmp:
        wf = scratch_copy(Path(tmp))
        extra = wf / "course.yaml"
        extra.write_text(COURSE_CONFIG.format(inits=json.dumps(LESSON_INITIALIZERS)))
        targets = ["results/house_prices/submission.csv",
                   *(f"results/initializers/runs/{name}/seed0.json" for name in LESSON_INITIALIZERS)]
        return snakemake(wf, cores, *targets, "--configfile", "course.yaml")  # merged over config.yaml


def course_plain():
    """Wall seconds of the same work as plain loops in this one process (a fresh interpreter)."""
    return run(ROOT, sys.executable, str(Path(__file__).with_name("course_plain.py")))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cores", type=int, default=8)
    parser.add_argument("--skip-full", action="store_true")
    parser.add_argument("--skip-course", action="store_true")
    parser.add_argument("--keep", metavar="DIR", help="run the full reproduction in DIR (new) and keep it")
    args = parser.parse_args()
    print(f"machine: {subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()} cores; "
          f"commit {subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], cwd=ROOT, capture_output=True, text=True).stdout.strip()}")
    if not args.skip_full:
        full_reproduction(args.cores, args.keep)
    if not args.skip_course:
        pipeline_wall, pipeline_cpu = course_pipeline(args.cores)
        plain_wall, plain_cpu = course_plain()
        print("course-equivalent work (d2l linear/default 5 folds + final fit + submission; Udacity 7 "
              "initializers x 1 seed, 2 epochs):")
        print(f"  pipeline (snakemake --cores {args.cores}, from empty results/): wall {pipeline_wall:.1f} s, "
              f"CPU {pipeline_cpu:.1f} s")
        print(f"  plain loops in one process: wall {plain_wall:.1f} s, CPU {plain_cpu:.1f} s")
        print(f"  course-equivalent ratio (pipeline / plain, wall): {pipeline_wall / plain_wall:.2f} (goal <= 1.0)")


if __name__ == "__main__":
    main()
