"""A tiny generated results tree: every summary table the comparison reads, and a few per-job results."""

import json

import pandas as pd
import pytest

CONFIG = {"device": "cpu", "house_prices": {"lr": 5.0, "folds": 3, "models": ["linear"]},
          "initializers": {"seeds": [0, 1, 2]}, "snapshot": None, "baseline": None, "current": None}


def write_results(root, *, house=(0.15, 0.16, 0.17), initializer_valid=(0.80, 0.81, 0.82), optimizers=True):
    """Write a results tree under `root` (house prices folds, initializer seeds and the rest); return `root`."""
    def csv(path, rows):
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        pd.DataFrame(rows).to_csv(root / path, index=False)

    def js(path, obj):
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(json.dumps(obj))

    csv("house_prices/cv_summary.csv", [dict(model="linear", initializer="default", fold=f + 1, train_log_rmse=v - 0.01,
                                             valid_log_rmse=v, diverged=False) for f, v in enumerate(house)])
    for fold, value in enumerate(house, 1):
        js(f"house_prices/folds/linear/default/fold{fold}.json",
           dict(model="linear", initializer="default", fold=fold, diverged=False, train_log_rmse=value,
                valid_log_rmse=value, train_curve=[1.0, value], valid_curve=[1.1, value], seconds=1.0))
    csv("initializers/summary.csv", [dict(initializer="normal", seed=s, valid_accuracy=v, test_accuracy=v - 0.01,
                                          final_loss=0.5, diverged=False) for s, v in enumerate(initializer_valid)]
        + [dict(initializer="zeros", seed=0, valid_accuracy=0.1, test_accuracy=0.1, final_loss=2.3, diverged=False)])
    for seed, value in enumerate(initializer_valid):
        js(f"initializers/runs/normal/seed{seed}.json",
           dict(initializer="normal", seed=seed, diverged=False, valid_accuracy=value, test_accuracy=value,
                epoch_losses=[0.9 - seed / 100, 0.5]))
    if optimizers:
        for seed, value in enumerate((0.85, 0.86)):
            js(f"optimizers/runs/sgd/none/seed{seed}.json",
               dict(optimizer="sgd", schedule="none", seed=seed, diverged=False, final_valid_accuracy=value,
                    epoch_losses=[0.9, 0.5], valid_loss=[0.6, 0.4], valid_accuracy=[0.8, value], batch_losses=[1] * 50))
        csv("optimizers/summary.csv", [dict(optimizer="sgd", schedule="none", valid_accuracy_mean=0.855)])
    js("search/summary.json", dict(best_trial="fine-003", valid_log_rmse=0.14))
    csv("gradient_check/summary.csv", [dict(model="mlp", term="data", parameter="w1", max_rel_error=1e-9),
                                       dict(model="mlp", term="data", parameter="w2", max_rel_error=3e-9)])
    csv("linear_regression/summary.csv", [dict(method="scratch", final_loss=5e-5, w_error=1e-4, b_error=2e-4)])
    csv("stability/depth/summary.csv", [dict(initializer="normal", activation="relu", forward_ratio=0.9,
                                             backward_ratio=1.1)])
    csv("stability/diagnostics/summary.csv", [dict(initializer="normal", layer="fc1", median_update_ratio=1e-3)])
    (root / "house_prices/fold1_curves.png").write_bytes(b"not kept")
    return root


@pytest.fixture
def results(tmp_path):
    return write_results(tmp_path / "results")
