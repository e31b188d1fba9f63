"""Per-fold training speed: our index-sliced minibatches vs a plain TensorDataset + DataLoader loop.

Both loops have identical semantics (the seed's): Adam, MSE on raw prices, shuffled minibatches of 64
without dropping the last one, log-RMSE on the train and validation rows after every epoch. Ours is timed
twice: as the jobs run it (fused Adam kernel) and with torch's default for-loop Adam, the DataLoader
loop's kernel, so the gain of index slicing alone shows too. Timings are taken in one run, interleaved,
best of --repeats (after one warm-up of each); the ratios are what to read.

    python bench/bench_house_prices.py [--epochs 100] [--repeats 3] [--threads 1]
"""

import argparse
import sys
import time
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "workflow"))
from initlab.core import regression  # noqa: E402
from initlab.core.optimizers import optimizer_factory  # noqa: E402
from initlab.data import house  # noqa: E402
from initlab.studies.house_prices import training  # noqa: E402


def dataloader_fold(net, x_train, y_train, x_valid=None, y_valid=None, *, epochs, lr, batch_size):
    """The d2l loop: DataLoader(TensorDataset, shuffle=True) feeding Adam; log-RMSE after each epoch.

    Returns [(train, valid)] per epoch; valid is None without validation rows (d2l's final fit).
    """
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=batch_size, shuffle=True)
    opt, loss = torch.optim.Adam(net.parameters(), lr=lr, weight_decay=0), nn.MSELoss()
    curves = []
    for _ in range(epochs):
        for xb, yb in loader:
            opt.zero_grad()
            loss(net(xb), yb).backward()
            opt.step()
        with torch.no_grad():
            valid = None if x_valid is None else regression.log_rmse(net(x_valid), y_valid)
            curves.append((regression.log_rmse(net(x_train), y_train), valid))
    return curves


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    mirror = ROOT / "resources" / "mirror"
    data = house.preprocess(house.read_csv(mirror / "kaggle_house_pred_train.csv"),
                            house.read_csv(mirror / "kaggle_house_pred_test.csv"))
    x, y = torch.tensor(data["train_features"]), torch.tensor(data["train_labels"])
    train, valid = regression.kfold_indices(len(x), 5, 0)
    settings = dict(epochs=args.epochs, lr=5.0, batch_size=64)
    cpu = torch.device("cpu")
    print(f"fold 1 of 5: {len(train)} train rows, {len(valid)} valid rows, {args.epochs} epochs, "
          f"batch 64, {args.threads} thread(s); best of {args.repeats}")
    for model, mlp in (("linear", {}), ("mlp", {"hidden": [64]})):
        times = {"ours": [], "ours, for-loop Adam": [], "DataLoader": []}
        for repeat in range(args.repeats + 1):  # repeat 0 warms up (lazy imports, allocator)
            for name in times:
                torch.manual_seed(repeat)
                start = time.perf_counter()
                if name == "DataLoader":
                    net = training.build_model(model=model, initializer="default", in_features=x.shape[1],
                                               mlp=mlp)
                    valid_rmse = dataloader_fold(net, x[train], y[train], x[valid], y[valid], **settings)[-1][1]
                else:
                    optimizer = (training.d2l_adam(5.0, 0) if name == "ours"
                                 else optimizer_factory("adam", lr=5.0, weight_decay=0))
                    valid_rmse = training.run_fold(
                        features=x.numpy(), labels=y.numpy(), fold=1, folds=5, model=model, initializer="default",
                        mlp=mlp, target="price", device=cpu, seed=repeat, optimizer=optimizer,
                        epochs=args.epochs, batch_size=64)["valid_log_rmse"]
                if repeat:
                    times[name].append(time.perf_counter() - start)
        best = {name: min(values) for name, values in times.items()}
        print(f"{model:6s}: " + ", ".join(f"{name} {t:.3f} s" for name, t in best.items())
              + f" (last valid log-RMSE {valid_rmse:.4f})")
        print(f"{model:6s}: DataLoader / ours = {best['DataLoader'] / best['ours']:.1f}x; "
              f"DataLoader / ours with for-loop Adam = {best['DataLoader'] / best['ours, for-loop Adam']:.1f}x")

if __name__ == "__main__":
    main()
