"""House prices training (initlab.studies.house_prices.training): folds, seeding, the intercept start, final fit.

Oracles: with zero weights and a zero learning rate the model's output is its output bias, so every
log-RMSE can be computed by hand from the fold's rows.
"""

import math

import numpy as np
import pytest
import torch
from initlab.core.nodynamo import without_dynamo
from initlab.core.optimizers import optimizer_factory
from initlab.studies.house_prices import training

CPU = torch.device("cpu")
FROZEN = optimizer_factory("sgd", lr=0.0)  # parameters stay at their initial values


def synthetic(n=53, d=4, seed=0):
    """Features (n, d) and prices (n, 1) with log(price) = 11 + x w + noise."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d)).astype(np.float32)
    log_price = 11 + x @ rng.uniform(-0.3, 0.3, d) + 0.05 * rng.standard_normal(n)
    return x, np.exp(log_price).astype(np.float32).reshape(-1, 1)


def fold(features, labels, **overrides):
    settings = dict(features=features, labels=labels, fold=2, folds=5, model="linear", initializer="zeros", mlp={},
                    epochs=1, batch_size=16, target="log_price", device=CPU, seed=0, optimizer=FROZEN)
    return training.run_fold(**{**settings, **overrides})


def log_rmse(predicted_log_price, prices):
    """d2l's metric by hand, in float64: predictions are log prices, clamped at log(1) = 0."""
    assert np.shape(predicted_log_price) == np.shape(prices)  # no silent broadcasting
    return math.sqrt(np.mean((np.maximum(predicted_log_price, 0.0) - np.log(prices.astype(np.float64))) ** 2))


def test_rows_per_fold_and_the_dropped_remainder():
    x, prices = synthetic(n=53)  # folds of 53 // 5 = 10 rows; 3 rows in no fold
    for k in range(1, 6):
        out = fold(x, prices, fold=k)
        assert (out["train_rows"], out["valid_rows"], out["unused_rows"]) == (40, 10, 3)
        assert out["fold"] == k and out["folds"] == 5 and out["device"] == "cpu" and out["seed"] == 0


@pytest.mark.parametrize("k", [1, 3, 5])
def test_zero_model_scores_the_validation_rows_of_its_fold(k):
    """Outputs 0 = log price 0 for every row: the valid score is the RMS of log(price) over rows (k-1)*10..k*10."""
    x, prices = synthetic(n=53)
    out = fold(x, prices, fold=k, mean_start=False)
    valid = prices[(k - 1) * 10:k * 10]
    train = np.concatenate([prices[: (k - 1) * 10], prices[k * 10:50]])
    assert out["valid_log_rmse"] == pytest.approx(log_rmse(np.zeros((10, 1)), valid), rel=1e-6)
    assert out["train_log_rmse"] == pytest.approx(log_rmse(np.zeros((40, 1)), train), rel=1e-6)
    assert out["train_curve"] == [out["train_log_rmse"]] and out["valid_curve"] == [out["valid_log_rmse"]]


def test_rows_not_trainable_are_left_out_of_training_but_still_validated():
    """The frozen model outputs the mean training log price: its train score covers exactly the trainable rows."""
    x, prices = synthetic(n=53)
    trainable = np.ones(53, dtype=bool)
    trainable[[0, 1, 15]] = False  # two training rows of fold 2 and one of its validation rows
    out = fold(x, prices, fold=2, mean_start=True, trainable=trainable)
    assert (out["train_rows"], out["valid_rows"], out["unused_rows"]) == (38, 10, 5)
    train = np.concatenate([prices[2:10], prices[20:50]])
    start = np.full((38, 1), np.log(train.astype(np.float64)).mean())
    assert out["train_log_rmse"] == pytest.approx(log_rmse(start, train), rel=1e-5)
    assert out["valid_log_rmse"] == pytest.approx(log_rmse(start[:10], prices[10:20]), rel=1e-5)  # all 10 rows


@pytest.mark.parametrize("target", ["log_price", "price"])
def test_mean_start_puts_the_output_at_the_mean_training_target(target):
    x, prices = synthetic(n=50)
    out = fold(x, prices, fold=4, mean_start=True, target=target)
    train, valid = np.concatenate([prices[:30], prices[40:]]), prices[30:40]
    if target == "log_price":
        start = np.log(train.astype(np.float64)).mean()  # mean log price of the training rows only
    else:
        start = np.log(train.astype(np.float64).mean())  # log of the mean price
    assert out["valid_log_rmse"] == pytest.approx(log_rmse(np.full((10, 1), start), valid), rel=1e-5)
    assert out["train_log_rmse"] == pytest.approx(log_rmse(np.full((40, 1), start), train), rel=1e-5)


def test_start_at_mean_sets_only_the_output_bias():
    torch.manual_seed(0)
    net = training.build_model(model="mlp", initializer="kaiming_normal", in_features=3,
                               mlp={"hidden": [5, 4], "activation": "tanh"})
    before = {name: p.detach().clone() for name, p in net.named_parameters()}
    targets = torch.tensor([[10.0], [12.5], [14.0], [11.5]])
    training.start_at_mean(net, targets)
    after = dict(net.named_parameters())
    output_bias = [name for name in after if name.endswith("bias")][-1]
    assert after[output_bias].tolist() == [12.0]
    assert all(torch.equal(after[name], before[name]) for name in after if name != output_bias)


def test_build_model_initializes_the_configured_network():
    net = training.build_model(model="mlp", initializer="ones", in_features=3,
                               mlp={"hidden": [4], "activation": "tanh", "dropout": 0.1})
    layers = list(net.layers)
    assert [type(m).__name__ for m in layers] == ["Linear", "Tanh", "Dropout", "Linear"]
    assert layers[2].p == 0.1
    assert all(torch.equal(m.weight, torch.ones_like(m.weight)) and not m.bias.any()
               for m in layers if isinstance(m, torch.nn.Linear))
    linear = training.build_model(model="linear", initializer="zeros", in_features=3, mlp={})
    assert linear.fc.in_features == 3 and linear.fc.out_features == 1 and not linear.fc.weight.any()


def test_d2l_adam_is_fused_adam_with_the_given_rate_and_decay():
    opt = training.d2l_adam(5.0, 0.25)([torch.nn.Parameter(torch.zeros(2))])
    assert type(opt) is without_dynamo(torch.optim.Adam)  # torch's Adam, the registry's way (core.nodynamo)
    assert opt.param_groups[0]["lr"] == 5.0 and opt.param_groups[0]["weight_decay"] == 0.25
    assert opt.defaults["fused"] is True


def trained(x, prices, seed=3, **overrides):
    settings = dict(model="mlp", initializer="default", mlp={"hidden": [8], "dropout": 0.2}, epochs=6,
                    seed=seed, optimizer=training.d2l_adam(0.05, 1e-4), mean_start=True, batch_size=8)
    return fold(x, prices, **{**settings, **overrides})


def test_a_fold_is_reproducible_bit_for_bit_whatever_the_global_generator_did():
    x, prices = synthetic(n=60)
    first = trained(x, prices)
    torch.manual_seed(999)
    torch.rand(100)
    second = trained(x, prices)
    for key in ("train_curve", "valid_curve", "train_log_rmse", "valid_log_rmse"):
        assert first[key] == second[key], key  # exact float equality
    assert len(first["train_curve"]) == 6 and first["valid_curve"][-1] < first["valid_curve"][0]
    assert trained(x, prices, seed=4)["train_curve"] != first["train_curve"]  # the seed does matter


def test_the_seed_orders_the_minibatches():
    """Zero weights leave nothing random in the model: only the batch order can make two seeds differ."""
    x, prices = synthetic(n=60)
    runs = [fold(x, prices, initializer="zeros", mean_start=True, epochs=3, batch_size=8, seed=seed,
                 optimizer=optimizer_factory("sgd", lr=0.05)) for seed in (1, 1, 2)]
    assert runs[0]["train_curve"] == runs[1]["train_curve"]
    assert runs[0]["train_curve"] != runs[2]["train_curve"]


def test_a_diverged_fold_has_nan_scores_and_says_when():
    x, prices = synthetic(n=50)
    out = fold(x, prices, target="price", initializer="default", optimizer=optimizer_factory("sgd", lr=1e3),
               epochs=5)
    assert out["diverged"] and out["diverged_epoch"] == len(out["train_curve"]) <= 5
    assert math.isnan(out["train_log_rmse"]) and math.isnan(out["valid_log_rmse"])


def test_fit_final_trains_on_every_row_and_clamps_prices_to_at_least_one():
    x, prices = synthetic(n=47)
    test_x = np.random.default_rng(1).standard_normal((9, 4)).astype(np.float32)
    settings = dict(features=x, labels=prices, test_features=test_x, model="linear", initializer="zeros", mlp={},
                    epochs=1, batch_size=16, device=CPU, seed=0, optimizer=FROZEN)
    summary, predicted = training.fit_final(**settings, target="price")
    assert predicted.dtype == np.float64 and predicted.shape == (9,)
    np.testing.assert_array_equal(predicted, np.ones(9))  # output 0 is clamped to a price of 1
    assert summary["rows"] == 47 and not summary["diverged"]
    assert summary["train_log_rmse"] == pytest.approx(log_rmse(np.zeros((47, 1)), prices), rel=1e-6)
    _, geometric = training.fit_final(**settings, target="log_price", mean_start=True)
    np.testing.assert_allclose(geometric, np.full(9, np.exp(np.log(prices.astype(np.float64)).mean())), rtol=1e-5)


def test_fit_final_predictions_follow_the_data_and_are_reproducible():
    x, prices = synthetic(n=200)
    test_x, test_prices = x[:20], prices[:20, 0]
    settings = dict(features=x, labels=prices, test_features=test_x, model="linear", initializer="default", mlp={},
                    epochs=30, batch_size=16, device=CPU, seed=5, optimizer=training.d2l_adam(0.05, 0.0),
                    target="log_price", mean_start=True)
    summary, predicted = training.fit_final(**settings)
    assert (predicted >= 1).all() and not summary["diverged"]
    assert log_rmse(np.log(predicted), test_prices) < 0.1  # noise is 0.05 in log price
    np.testing.assert_array_equal(training.fit_final(**settings)[1], predicted)


def test_fit_final_reports_divergence_and_still_returns_prices_of_at_least_one():
    x, prices = synthetic(n=40)
    summary, predicted = training.fit_final(
        features=x, labels=prices, test_features=x[:5], model="linear", initializer="default", mlp={}, epochs=5,
        batch_size=8, target="price", device=CPU, seed=0, optimizer=optimizer_factory("sgd", lr=1e3))
    assert summary["diverged"] and math.isnan(summary["train_log_rmse"])
    assert predicted.shape == (5,)
