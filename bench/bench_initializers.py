"""Benchmark: the initializer study's training loop vs a per-sample Dataset + DataLoader loop.

Both loops do the same work: the lesson's MLP 784-256-128-10 (ReLU, dropout 0.2), Adam lr 0.001,
batch 100, shuffled each epoch, last batch kept, on the same in-memory training split. Ours slices
minibatches out of one tensor by index (initlab.core.classify.train_classifier); the baseline fetches
every sample through Dataset.__getitem__ and collates each batch (torch.utils.data.DataLoader).
The arithmetic floor is the training FLOPs (forward + backward = 3 x forward, forward = 2 multiply-adds
per weight per sample) divided by the matmul throughput measured in the same run at the same threads.
A second comparison times the data path alone (draw every batch of an epoch, no training).

Times are CPU seconds of this process (time.process_time): with one thread that is the work done,
and unlike wall time it does not grow when other processes share the cores. --clock wall switches.

    python bench/bench_initializers.py [--epochs 1] [--samples 48000] [--threads 1] [--initializers a b]

Needs the data stage: snakemake --cores 2 data. Prints one row per initializer and both ratios.
"""

import argparse
import sys
import time
from pathlib import Path

import torch
from torch.nn import functional as F
from torch.utils.data import DataLoader, Dataset

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "workflow"))
from initlab.core import initializers, models  # noqa: E402
from initlab.core.batches import shuffled_batches  # noqa: E402
from initlab.core.classify import train_classifier  # noqa: E402
from initlab.data import fashion  # noqa: E402
from initlab.infra import runtime  # noqa: E402

TRAIN = Path(__file__).resolve().parents[1] / "results/data/fashion_mnist/train.npz"


class PerSample(Dataset):
    """The seed's access pattern: one (image, label) pair per __getitem__."""

    def __init__(self, x, y):
        self.x, self.y = x, y

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return self.x[i], self.y[i]


def dataloader_loop(model, x, y, *, epochs, batch_size, lr, seed):
    loader = DataLoader(PerSample(x, y), batch_size=batch_size, shuffle=True, num_workers=0,
                        generator=torch.Generator().manual_seed(seed))
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    losses = []
    for _ in range(epochs):
        for xb, yb in loader:
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            losses.append(loss.item())  # the seed reads every batch loss
    return losses


CLOCK = {"cpu": time.process_time, "wall": time.perf_counter}
clock = CLOCK["cpu"]


def matmul_flops_per_second(n=1024, repeats=20):
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b  # warm up
    start = clock()
    for _ in range(repeats):
        a @ b
    return 2 * n**3 * repeats / (clock() - start)


def data_path(x, y, batch_size):
    """(ours, DataLoader) seconds to draw every batch of one epoch, without training."""
    g = torch.Generator().manual_seed(0)
    ours = timed(lambda: [(x[i], y[i]) for i in shuffled_batches(len(x), batch_size, g)])
    loader = DataLoader(PerSample(x, y), batch_size=batch_size, shuffle=True, generator=g)
    return ours, timed(lambda: list(loader))


def model_and_flops(name, seed, samples, epochs):
    torch.manual_seed(seed)
    model = initializers.initialize(models.MLP(784, [256, 128], 10, "relu", 0.2), name)
    weights = sum(p.numel() for p in model.parameters() if p.dim() == 2)
    return model, 3 * 2 * weights * samples * epochs  # FLOPs: forward 2/weight/sample, backward twice that


def timed(fn):
    start = clock()
    fn()
    return clock() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--samples", type=int, default=None, help="first n training images (default all)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--initializers", nargs="+", default=list(initializers.NAMES))
    parser.add_argument("--clock", choices=CLOCK, default="cpu")
    args = parser.parse_args()
    global clock
    clock = CLOCK[args.clock]
    runtime.configure(threads=args.threads, seed=0)
    x, y = fashion.load_split(TRAIN, args.samples)
    peak = matmul_flops_per_second()
    print(f"{len(x)} samples x {args.epochs} epoch(s), batch 100, {args.threads} thread(s), {args.clock} seconds; "
          f"matmul 1024^3 float32: {peak / 1e9:.1f} GFLOP/s")
    warm, _ = model_and_flops("default", 0, 1000, 1)  # first-call costs (allocator, kernels) out of the timings
    train_classifier(warm, train_x=x[:1000], train_y=y[:1000], epochs=1, batch_size=100, lr=1e-3,
                     generator=torch.Generator().manual_seed(0), device="cpu")
    dataloader_loop(warm, x[:1000], y[:1000], epochs=1, batch_size=100, lr=1e-3, seed=0)
    fetch_ours, fetch_loader = data_path(x, y, 100)
    print(f"data path, one epoch of batches: ours {fetch_ours:.3f} s, DataLoader {fetch_loader:.3f} s, "
          f"ratio {fetch_loader / fetch_ours:.1f}x")
    print(f"{'initializer':>16} {'ours s':>8} {'DataLoader s':>13} {'speed-up':>9} {'floor s':>8} {'ours/floor':>11}")
    totals = [0.0, 0.0, 0.0]
    for name in args.initializers:
        model, flops = model_and_flops(name, 0, len(x), args.epochs)
        ours = timed(lambda: train_classifier(model, train_x=x, train_y=y, epochs=args.epochs, batch_size=100,
                                              lr=1e-3, generator=torch.Generator().manual_seed(0), device="cpu"))
        model, _ = model_and_flops(name, 0, len(x), args.epochs)
        baseline = timed(lambda: dataloader_loop(model, x, y, epochs=args.epochs, batch_size=100, lr=1e-3, seed=0))
        floor = flops / peak
        totals = [totals[0] + ours, totals[1] + baseline, totals[2] + floor]
        print(f"{name:>16} {ours:8.2f} {baseline:13.2f} {baseline / ours:8.1f}x {floor:8.2f} {ours / floor:10.1f}x")
    ours, baseline, floor = totals
    print(f"{'all':>16} {ours:8.2f} {baseline:13.2f} {baseline / ours:8.1f}x {floor:8.2f} {ours / floor:10.1f}x")
    print(f"training, ratio DataLoader / ours: {baseline / ours:.2f}x (goal >= 3x); "
          f"ours / arithmetic floor: {ours / floor:.2f}x; data path alone: {fetch_loader / fetch_ours:.1f}x")


if __name__ == "__main__":
    main()
