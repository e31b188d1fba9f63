"""k-fold split, log-RMSE, the training loop and divergence handling (initlab.core.regression, house_training)."""

import copy
import logging
import math

import numpy as np
import pytest
import torch
from initlab.core import regression
from initlab.core.optimizers import optimizer_factory
from initlab.studies.house_prices import training


def d2l_get_k_fold_data(k, i, X, y):
    """d2l's split, verbatim in substance: the oracle for kfold_indices."""
    fold_size = X.shape[0] // k
    X_train = y_train = None
    for j in range(k):
        idx = slice(j * fold_size, (j + 1) * fold_size)
        if j == i:
            X_valid, y_valid = X[idx], y[idx]
        elif X_train is None:
            X_train, y_train = X[idx], y[idx]
        else:
            X_train, y_train = torch.cat([X_train, X[idx]]), torch.cat([y_train, y[idx]])
    return X_train, y_train, X_valid, y_valid


@pytest.mark.parametrize("n, k", [(1460, 5), (23, 5), (10, 2), (7, 3)])
def test_kfold_matches_d2l_split(n, k):
    rows = torch.arange(n)
    for i in range(k):
        train, valid = regression.kfold_indices(n, k, i)
        x_train, _, x_valid, _ = d2l_get_k_fold_data(k, i, rows, rows)
        assert torch.equal(train, x_train) and torch.equal(valid, x_valid)


def test_kfold_sizes_and_dropped_remainder():
    n, k = 23, 5  # fold size 4; rows 20, 21, 22 are in no fold
    seen_valid = set()
    for i in range(k):
        train, valid = regression.kfold_indices(n, k, i)
        assert len(valid) == 4 and len(train) == 16
        assert not set(train.tolist()) & set(valid.tolist())
        assert max(train.max().item(), valid.max().item()) < 20
        seen_valid |= set(valid.tolist())
    assert seen_valid == set(range(20))


@pytest.mark.parametrize("n, k, fold, message", [(10, 1, 0, "at least 2 folds"), (10, 5, 5, "0 <= fold < 5"),
                                                 (3, 5, 0, "cannot make 5 folds")])
def test_kfold_rejects_bad_arguments(n, k, fold, message):
    with pytest.raises(ValueError, match=message):
        regression.kfold_indices(n, k, fold)


def test_log_rmse_by_hand():
    outputs = torch.tensor([[0.5], [10.0], [100.0]])  # 0.5 is clamped to 1
    prices = torch.tensor([[2.0], [10.0], [50.0]])
    expected = math.sqrt((math.log(2) ** 2 + 0 + math.log(2) ** 2) / 3)
    assert regression.log_rmse(outputs, prices) == pytest.approx(expected, rel=1e-6)
    # target log_price: outputs are log prices; log(max(exp(p), 1)) = max(p, 0)
    log_outputs = torch.tensor([[-1.0], [math.log(10)], [math.log(100)]])
    assert regression.log_rmse(log_outputs, prices, "log_price") == pytest.approx(expected, rel=1e-6)
    assert torch.allclose(regression.to_prices(log_outputs, "log_price"), torch.tensor([[1.0], [10.0], [100.0]]))


def test_unknown_target_is_a_clear_error():
    with pytest.raises(ValueError, match="'dollars'.*price, log_price"):
        regression.encode_target(torch.ones(2, 1), "dollars")


def synthetic(n=120, d=6, seed=0):
    """Standardized features and positive prices with a log-linear relation, like the house data."""
    gen = np.random.default_rng(seed)
    x = gen.standard_normal((n, d)).astype(np.float32)
    prices = np.exp(12 + 0.3 * x[:, :1] + 0.05 * gen.standard_normal((n, 1))).astype(np.float32)
    return x, prices


def fold(**overrides):
    x, prices = synthetic()
    kwargs = dict(features=x, labels=prices, fold=1, folds=4, model="linear", initializer="default", mlp={},
                  epochs=20, batch_size=16, target="log_price", device=torch.device("cpu"), seed=3,
                  optimizer=training.d2l_adam(overrides.pop("lr", 0.5), 0))
    kwargs.update(overrides)
    torch.manual_seed(kwargs["seed"])
    return training.run_fold(**kwargs)


def test_training_learns_and_is_reproducible_bit_for_bit():
    first, second = fold(), fold()
    assert first["train_curve"] == second["train_curve"] and first["valid_curve"] == second["valid_curve"]
    assert len(first["train_curve"]) == 20 and not first["diverged"]
    assert first["valid_log_rmse"] < 0.2 < first["valid_curve"][0]  # exp(12) is learned from scratch
    assert (first["train_rows"], first["valid_rows"], first["unused_rows"]) == (90, 30, 0)


def test_huge_learning_rate_diverges_without_raising():
    result = fold(lr=1e30, target="price")
    assert result["diverged"] and result["diverged_epoch"] == len(result["train_curve"])
    assert math.isnan(result["train_log_rmse"]) and math.isnan(result["valid_log_rmse"])


def test_plain_sgd_with_too_large_a_step_diverges():
    # Adam's steps are bounded by lr, so even `ones` trains (badly) with it. SGD on raw prices is stable
    # below lr ~ 2 / largest eigenvalue of X'X/n (about 1 for standardized features) and blows up above.
    stable = fold(target="price", optimizer=optimizer_factory("sgd", lr=0.1))
    blown = fold(target="price", optimizer=optimizer_factory("sgd", lr=10))
    assert not stable["diverged"] and blown["diverged"] and math.isnan(blown["valid_log_rmse"])


def test_schedule_is_stepped_once_per_epoch():
    x, prices = synthetic()
    model = torch.nn.Linear(6, 1)
    seen = {}

    def schedule(opt):
        seen["opt"] = opt
        return torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)

    regression.fit(model, train_x=torch.tensor(x), train_y=torch.tensor(prices), epochs=3, batch_size=32,
                   optimizer=optimizer_factory("sgd", lr=0.8), schedule=schedule, target="log_price",
                   generator=torch.Generator().manual_seed(0))
    assert seen["opt"].param_groups[0]["lr"] == pytest.approx(0.1)


def test_final_fit_predicts_positive_prices():
    x, prices = synthetic()
    torch.manual_seed(0)
    summary, predicted = training.fit_final(
        features=x, labels=prices, test_features=x[:10], model="mlp", initializer="xavier_uniform",
        mlp={"hidden": [8], "activation": "tanh", "dropout": 0.1}, epochs=30,
        optimizer=training.d2l_adam(0.05, 0), batch_size=16, target="log_price", device=torch.device("cpu"), seed=0)
    assert predicted.shape == (10,) and np.all(predicted >= 1)
    assert not summary["diverged"] and summary["rows"] == 120
    assert np.abs(np.log(predicted) - np.log(prices[:10, 0])).mean() < 0.3


def _fit(model, x, prices, **kwargs):
    return regression.fit(model, train_x=torch.tensor(x), train_y=torch.tensor(prices), batch_size=32,
                          generator=torch.Generator().manual_seed(0), **kwargs)


def test_fit_logs_each_epochs_train_and_valid_log_rmse_and_predicts_prices_by_default(caplog):
    x, prices = synthetic()
    torch.manual_seed(0)
    model = torch.nn.Linear(6, 1)
    start = copy.deepcopy(model)
    with caplog.at_level(logging.INFO, logger="initlab.progress"):
        result = _fit(model, x[:90], prices[:90], valid_x=torch.tensor(x[90:]), valid_y=torch.tensor(prices[90:]),
                      epochs=3, optimizer=optimizer_factory("sgd", lr=0.01))
    lines = [r.getMessage() for r in caplog.records if r.name == "initlab.progress"]
    assert len(lines) == 3
    for epoch, line in enumerate(lines):
        assert line.startswith(f"training: epoch {epoch + 1}/3, ")
        assert f"train_log_rmse {result.train[epoch]:.4g}, valid_log_rmse {result.valid[epoch]:.4g}," in line
    priced = _fit(start, x[:90], prices[:90], valid_x=torch.tensor(x[90:]), valid_y=torch.tensor(prices[90:]),
                  epochs=3, optimizer=optimizer_factory("sgd", lr=0.01), target="price")
    assert priced.train == result.train and priced.valid == result.valid  # target="price" is the default


def test_a_non_finite_parameter_is_divergence_even_when_the_metric_is_finite():
    """A parameter the forward pass never reads turns NaN: the metric stays finite, training still stops."""
    x, prices = synthetic()
    model = torch.nn.Linear(6, 1)
    model.unused = torch.nn.Parameter(torch.zeros(1))

    def poisoning(params):
        opt = torch.optim.SGD(params, lr=0.01)
        step = opt.step

        def poisoned_step(*args, **kwargs):
            out = step(*args, **kwargs)
            with torch.no_grad():
                model.unused.fill_(math.nan)
            return out
        opt.step = poisoned_step
        return opt

    result = _fit(model, x, prices, epochs=3, optimizer=poisoning, target="log_price")
    assert result.diverged and result.diverged_epoch == 1 and math.isfinite(result.train[0])


def test_log_predictions_of_an_unknown_target_names_it_and_the_known_ones():
    with pytest.raises(ValueError, match=r"^target 'cost': expected one of price, log_price$"):
        regression.log_predictions(torch.ones(2, 1), "cost")
