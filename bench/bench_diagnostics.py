"""Overhead of the diagnostics observer: the same training run with it on and off, timed in one process.

Usage: python bench/bench_diagnostics.py [--samples N] [--repeats R] [--log-every K]
Runs the diagnostics' default set-up (MLP 784-256-128-10, relu, dropout 0.2, Adam 1e-3, batch 100,
one epoch) on the first N training images, alternating off/on R times with identical seeds, and prints
the best CPU time (time.process_time) of each and
their ratio; CPU time, not wall time, so that other jobs sharing the machine do not skew it.
It also adds up the CPU time spent inside the observer's own calls, a direct measure that the
run-to-run noise of the on/off comparison cannot hide. Needs results/data/fashion_mnist (snakemake --cores 2 data).
"""

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "workflow"))

import torch  # noqa: E402
from initlab.data import fashion  # noqa: E402
from initlab.studies.stability import diagnostics  # noqa: E402


class TimedDiagnostics(diagnostics.Diagnostics):
    """The observer, adding up the CPU time spent inside its own calls (a direct, low-noise measure)."""

    spent = 0.0

    def before_step(self, step, model):
        start = time.process_time()
        super().before_step(step, model)
        TimedDiagnostics.spent += time.process_time() - start

    def after_step(self, step, model, loss):
        start = time.process_time()
        super().after_step(step, model, loss)
        TimedDiagnostics.spent += time.process_time() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=48000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--log-every", type=int, default=10)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    data = ROOT / "results/data/fashion_mnist"
    train = fashion.load_split(data / "train.npz", args.samples)
    valid = fashion.load_split(data / "valid.npz", 1000)
    settings = dict(initializer="kaiming_normal", train=train, valid=valid, hidden=[256, 128], activation="relu",
                    dropout=0.2, optimizer="adam", lr=1e-3, batch_size=100, epochs=1, log_every=args.log_every,
                    bins=60, batch_seed=0, device="cpu")
    diagnostics.Diagnostics = TimedDiagnostics  # diagnose() builds its observer from this name
    times = {False: [], True: []}
    for _ in range(args.repeats):
        for observe in (False, True):
            torch.manual_seed(0)
            start = time.process_time()  # CPU seconds of this process: robust to other jobs on the machine
            diagnostics.diagnose(observe=observe, **settings)
            times[observe].append(time.process_time() - start)
    off, on = min(times[False]), min(times[True])
    print(f"samples={args.samples} log_every={args.log_every} repeats={args.repeats} threads={args.threads}")
    print(f"diagnostics off: best {off:.3f} CPU s  (all: {', '.join(f'{t:.3f}' for t in times[False])})")
    print(f"diagnostics on:  best {on:.3f} CPU s  (all: {', '.join(f'{t:.3f}' for t in times[True])})")
    print(f"overhead: {100 * (on / off - 1):+.1f}%  (on / off = {on / off:.3f})")
    inside = TimedDiagnostics.spent / args.repeats
    print(f"CPU time inside the observer's calls: {inside:.3f} s per run = {100 * inside / off:.1f}% of the run off")


if __name__ == "__main__":
    main()
