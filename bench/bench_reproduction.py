"""Benchmark: the whole default reproduction, where its time goes, and what the pipeline costs a user.

In a scratch copy of this checkout (tracked files only, empty results/), it measures:

1. `snakemake --cores N` (the default target: every study and page) and then `snakemake --report`:
   jobs, wall seconds, CPU seconds of every process they started; from the jobs' own logs (the last
   line of every job log, infra/joblog.py) the median fixed cost per job (job wall minus its work,
   i.e. the seconds before the job's own code runs: interpreter, Snakemake's script preamble,
   imports), the sum of in-job training seconds, and the five rules that cost the most CPU. The floor
   ratio: the full run's wall seconds over the studies' in-job training CPU seconds divided by the
   machine's cores (1.0 would be every core training all the time); the median CPU seconds a job
   spends before its own code (setup_cpu) and how many jobs imported torch._dynamo.
2. A no-op dry run of the full workflow (`snakemake -n`) once everything is built.
3. The course-equivalent ratio: the course notes' own work through the pipeline (d2l: linear model,
   default init, 5 folds + final fit + submission; Udacity: the lesson's 7 initializers x 1 seed,
   2 epochs), from empty results/, against the same work as plain loops in one Python process
   (DataLoader loops as the notes write them, data read and preprocessed by the same package
   functions). Goal: ratio <= 1.0.
4. The per-job floor before and after core.nodynamo: fresh processes with a training job's imports,
   the house MLP and 20 Adam steps (bench/job_floor.py), the optimizer from plain torch.optim (before)
   and from the registry (after), alternated; median CPU seconds of each, their ratio, and a check
   that both end at the same loss to the last bit. Quick on its own: --skip-full --skip-course.

    python bench/bench_reproduction.py [--cores 8] [--skip-full] [--skip-course] [--floor-repeats 5]

Run it alone: other work on the machine inflates every number. Prints one block per part.
"""

import argparse
import json
import os
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
COST = re.compile(r"job cost: setup=([\d.]+) wall=([\d.]+) cpu=([\d.]+)(?: setup_cpu=([\d.]+) dynamo=([01]))?")
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
    """{log path: (rule, setup, wall, cpu, setup_cpu, dynamo)} from the cost line that ends every job log
    (setup_cpu and dynamo are NaN in logs written before the cost line had them)."""
    costs = {}
    for log in (results / "logs").rglob("*.log"):
        found = COST.findall(log.read_text(errors="replace"))
        if found:
            rule = log.relative_to(results / "logs").parts[0].removesuffix(".log")
            costs[log] = (rule, *(float(value or "nan") for value in found[-1]))
    return costs


def training_seconds(results):
    """Sums of the `seconds` and `cpu_seconds` that training jobs record for their own work, and the
    count of such files."""
    wall, cpu, count = 0.0, 0.0, 0
    for path in results.rglob("*.json"):
        if "logs" in path.parts or "data" in path.parts:
            continue
        record = json.loads(path.read_text())
        if isinstance(record, dict) and isinstance(record.get("seconds"), (int, float)):
            wall, cpu, count = wall + record["seconds"], cpu + record.get("cpu_seconds", 0.0), count + 1
    return wall, cpu, count


def full_reproduction(cores, keep=None):
    with tempfile.TemporaryDirectory(prefix="initlab-bench-") as tmp:
        wf = scratch_copy(Path(keep) if keep else Path(tmp))
        wall, cpu = snakemake(wf, cores)
        report_wall, report_cpu = snakemake(wf, 1, "--report", "results/report.html")
        noop = min(snakemake(wf, 1, "-n", "--quiet")[0] for _ in range(3))
        costs = job_costs(wf / "results")
        work, work_cpu, runs = training_seconds(wf / "results")
        per_rule = defaultdict(float)
        for rule, _, _, job_cpu, _, _ in costs.values():
            per_rule[rule] += job_cpu
        print(f"full reproduction, snakemake --cores {cores} then --report, from empty results/:")
        print(f"  jobs with a cost line: {len(costs)}; wall {wall:.1f} s + report {report_wall:.1f} s "
              f"= {wall + report_wall:.1f} s ({(wall + report_wall) / 60:.2f} min); "
              f"CPU {cpu + report_cpu:.1f} s")
        print(f"  in-job training seconds (sum over {runs} result files): {work:.1f} s wall, {work_cpu:.1f} s CPU")
        machine = os.cpu_count()
        print(f"  floor ratio (full-run wall / (in-job training CPU s / {machine} cores)): "
              f"{(wall + report_wall) / (work_cpu / machine):.2f}")
        setups = sorted(setup for _, setup, _, _, _, _ in costs.values())
        print(f"  fixed cost per job (interpreter, Snakemake preamble, imports): median "
              f"{statistics.median(setups):.2f} s, total {sum(setups):.1f} s over {len(setups)} jobs")
        setup_cpu = sorted(value[4] for value in costs.values())
        print(f"  fixed CPU seconds per job before its own code: median {statistics.median(setup_cpu):.2f} s; "
              f"jobs that imported torch._dynamo: {sum(value[5] == 1 for value in costs.values()):.0f}")
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


def job_floor(repeats):
    """Median CPU seconds of a fresh training process (bench/job_floor.py) per route, alternated."""
    script, cpu, outputs = str(Path(__file__).with_name("job_floor.py")), defaultdict(list), defaultdict(set)
    for _ in range(repeats):
        for route in ("torch", "registry"):
            cpu_before, start = children_cpu(), time.perf_counter()
            done = subprocess.run([sys.executable, script, route], cwd=ROOT, capture_output=True, text=True)
            if done.returncode:
                sys.exit(f"job_floor.py {route} failed:\n{done.stderr[-4000:]}")
            cpu[route].append(children_cpu() - cpu_before)
            outputs[route].add(done.stdout.split(" ", 1)[1].strip())
    before, after = statistics.median(cpu["torch"]), statistics.median(cpu["registry"])
    print(f"per-job floor: fresh process with a training job's imports, house MLP, 20 Adam steps; "
          f"{repeats} runs per route, alternated:")
    print(f"  plain torch.optim (before): median {before:.2f} CPU s ({', '.join(f'{c:.2f}' for c in cpu['torch'])}); "
          f"{' | '.join(sorted(outputs['torch']))}")
    print(f"  registry, core.nodynamo (after): median {after:.2f} CPU s "
          f"({', '.join(f'{c:.2f}' for c in cpu['registry'])}); {' | '.join(sorted(outputs['registry']))}")
    losses = {line.split(" dynamo")[0] for line in outputs["torch"] | outputs["registry"]}
    print(f"  after / before: {after / before:.2f}; same final loss to the last bit: {len(losses) == 1}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cores", type=int, default=8)
    parser.add_argument("--skip-full", action="store_true")
    parser.add_argument("--skip-course", action="store_true")
    parser.add_argument("--floor-repeats", type=int, default=5, metavar="N", help="0 skips part 4")
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
    if args.floor_repeats:
        job_floor(args.floor_repeats)


if __name__ == "__main__":
    main()
