"""Nested cross-validation of the search: splits, the log-price average, a tiny nested run, the summary."""

import math

import numpy as np
import pytest
import torch
from initlab.infra.runtime import derive_seed
from initlab.core import regression
from initlab.studies.search import nested, sampling, trials
from initlab.studies.search.summary import nested_summary, nested_table

from unit.studies.search.test_trials import SETTINGS, synthetic_prices


def test_outer_split_is_the_house_folds_disjoint_and_covering():
    for fold in (1, 2, 3):
        train, valid = nested.outer_split(10, 3, fold)
        assert set(train).isdisjoint(valid) and sorted([*train, *valid]) == list(range(9))  # row 9: no fold
        assert valid.tolist() == list(range(3 * (fold - 1), 3 * fold))


def test_log_rmse_and_average_in_log_space():
    assert nested.log_rmse([100.0, 1000.0], [[100.0], [100.0]]) == pytest.approx(math.log(10) / math.sqrt(2))
    assert nested.log_rmse([0.5], [1.0]) == 0.0  # clamped to 1 like d2l's metric
    assert math.isnan(nested.log_rmse([np.nan, 1.0], [1.0, 1.0]))
    np.testing.assert_allclose(nested.average_log_prices([[100.0, 4.0], [10000.0, 1.0]]), [1000.0, 2.0])


def tiny_models(*names):
    ranges = {"lr": [0.01, 0.1], "weight_decay": [1e-4, 1e-2], "hidden": [4, 8]}
    models = {}
    for name in names:
        r = ranges if name == "mlp" else {k: v for k, v in ranges.items() if k != "hidden"}
        base = {**SETTINGS, "model": name, "folds": 2}
        models[name] = {"ranges": r, "coarse_trials": sampling.sample_trials(r, 2, 0, "coarse"),
                        "stages": {"coarse": {**base, "epochs": 3}, "fine": {**base, "epochs": 8}}}
    return models


FINE = {"trials": 1, "top": 1, "shrink": 0.5}


def test_outer_fold_searches_on_its_training_rows_only():
    x, prices, _ = synthetic_prices(n=120)
    cpu = torch.device("cpu")
    record = nested.run_outer_fold(features=x, labels=prices, trainable=None, fold=2, folds=2,
                                   models=tiny_models("linear"), fine=FINE, seed=0, device=cpu)
    assert record["outer_valid_rows"] == list(range(60, 120)) and record["outer_train_rows"] == list(range(60))
    search = record["searches"]["linear"]
    assert [t["trial"] for t in search["trials"]] == ["coarse000", "coarse001", "fine000"]
    assert search["picked"]["trial"] == "fine000" and record["inner_log_rmse"] == search["inner_log_rmse"]
    # the inner search is the same as searching the outer-training rows alone: the outer rows play no part
    alone = nested.inner_search(features=x[:60], labels=prices[:60], trainable=None, ranges=tiny_models("linear")[
        "linear"]["ranges"], stages=tiny_models("linear")["linear"]["stages"], fine=FINE,
        coarse_trials=tiny_models("linear")["linear"]["coarse_trials"], seed=0, device=cpu)
    assert alone == search
    assert 0 < record["inner_log_rmse"] < 1 and 0 < record["outer_log_rmse"] < 1
    assert record["model_outer_log_rmse"]["linear"] == record["outer_log_rmse"] and record["trained_rows"] == 60
    assert record["outer_log_rmse_trainable_rows"] == record["outer_log_rmse"] and record["outer_untrainable_rows"] == 0


def test_inner_fine_stage_is_the_searchs_fine_plan():
    """The same plan (best coarse trials, ranges, draws) as the search's plan_fine_trials job makes."""
    x, prices, _ = synthetic_prices(n=120)
    models, fine = tiny_models("mlp"), {"trials": 3, "top": 2, "shrink": 0.3}
    search = nested.inner_search(features=x, labels=prices, trainable=None, fine=fine, seed=5,
                                 device=torch.device("cpu"), **{k: models["mlp"][k] for k in models["mlp"]})
    coarse, done = search["trials"][:2], search["trials"][2:]
    plan = sampling.plan_fine(coarse, models["mlp"]["ranges"], seed=sampling.fine_seed(5), **fine)
    assert search["fine_ranges"] == plan["ranges"] and plan["ranges"] != models["mlp"]["ranges"]
    assert [{k: t[k] for k in plan["trials"][0]} for t in done] == plan["trials"]
    assert plan["trials"] != sampling.plan_fine(coarse, models["mlp"]["ranges"], seed=5, **fine)["trials"]


def test_inner_average_of_one_model_is_its_inner_search_score():
    """Each model's fold f is refit with the seed its inner trial used: the same predictions, the same score."""
    x, prices, _ = synthetic_prices(n=120)
    models = tiny_models("mlp")
    search = nested.inner_search(features=x, labels=prices, trainable=None, fine=FINE, seed=0,
                                 device=torch.device("cpu"), **{k: models["mlp"][k] for k in models["mlp"]})
    again = nested.inner_average_score({"mlp": search["picked"]}, {"mlp": models["mlp"]["stages"]["fine"]},
                                       features=x, labels=prices, trainable=None, folds=2, device=torch.device("cpu"))
    assert again == pytest.approx(search["inner_log_rmse"], rel=1e-5)


def test_average_of_two_models_and_rows_dropped_from_training():
    x, prices, _ = synthetic_prices(n=120)
    trainable = np.ones(120, dtype=bool)
    trainable[[3, 70]] = False  # row 70 is in the outer validation fold of fold 2: scored, never trained on
    record = nested.run_outer_fold(features=x, labels=prices, trainable=trainable, fold=2, folds=2,
                                   models=tiny_models("linear", "mlp"), fine=FINE, seed=0, device=torch.device("cpu"))
    assert record["models"] == ["linear", "mlp"] and record["trained_rows"] == 59
    assert len(record["outer_valid_rows"]) == 60 and record["outer_untrainable_rows"] == 1
    assert record["outer_log_rmse_trainable_rows"] != record["outer_log_rmse"]  # row 70 left out of this score
    alone = record["model_outer_log_rmse"]
    assert math.isfinite(record["outer_log_rmse"]) and math.isfinite(record["inner_log_rmse"])
    # the log-space average is never worse than the worse of the two (the log error is convex)
    assert record["outer_log_rmse"] <= max(alone.values())


def test_nested_table_and_optimism_arithmetic():
    def record(fold, inner, outer):
        search = {"picked": {"trial": "fine000", "lr": 0.01}, "inner_log_rmse": inner}
        return {"fold": fold, "inner_log_rmse": inner, "outer_log_rmse": outer, "outer_valid_rows": [0] * 10,
                "outer_log_rmse_trainable_rows": outer - 0.01, "outer_untrainable_rows": 1,
                "trained_rows": 20, "searches": {"mlp": search}, "model_outer_log_rmse": {"mlp": outer},
                "seconds": 2.0, "cpu_seconds": 1.5}

    table = nested_table([record(2, 0.12, 0.13), record(1, 0.10, 0.14)])
    assert table["fold"].tolist() == [1, 2] and table["mlp_lr"].tolist() == [0.01, 0.01]
    np.testing.assert_allclose(table["inner_minus_outer"], [-0.04, -0.01])
    summary = nested_summary(table, models=["mlp"], search_log_rmse=0.12, search_model="mlp")
    assert summary["inner_log_rmse"] == pytest.approx(0.11) and summary["outer_log_rmse"] == pytest.approx(0.135)
    assert summary["inner_minus_outer"] == pytest.approx(-0.025)  # negative: the inner score was optimistic
    assert summary["outer_std"] == pytest.approx(0.01 / math.sqrt(2)) and summary["cpu_seconds"] == 3.0
    assert summary["outer_log_rmse_trainable_rows"] == pytest.approx(0.125)
    assert summary["search_minus_outer"] == pytest.approx(-0.015)  # the plain search's 0.12 against 0.135
    assert nested_summary(table, models=["mlp"], search_log_rmse=0.12, search_model="linear")["search_minus_outer"] is None


def test_the_record_names_its_fold_device_and_inner_std_and_refits_with_the_outer_seed():
    x, prices, _ = synthetic_prices(n=120)
    cpu, models = torch.device("cpu"), tiny_models("linear")
    record = nested.run_outer_fold(features=x, labels=prices, trainable=None, fold=2, folds=2, models=models,
                                   fine=FINE, seed=0, device=cpu)
    assert (record["fold"], record["folds"], record["device"]) == (2, 2, "cpu")
    search = record["searches"]["linear"]
    picked = next(t for t in search["trials"] if t["trial"] == search["picked"]["trial"])
    assert search["inner_std"] == picked["valid_std"] and search["inner_log_rmse"] == picked["valid_log_rmse"]
    # the pick is refit on the outer training rows with the seed derive_seed("search", "outer", fold)
    train, valid = nested.outer_split(120, 2, 2)
    refit = nested._fit_predict(search["picked"], models["linear"]["stages"]["fine"], train, valid, features=x,
                                labels=prices, trainable=None, device=cpu, seed=derive_seed("search", "outer", 2))
    assert record["outer_log_rmse"] == nested.log_rmse(refit, prices[valid])


def test_a_trainable_mask_of_zeros_and_ones_is_read_as_booleans():
    x, prices, _ = synthetic_prices(n=120)
    flags = np.ones(120, dtype=int)
    flags[[3, 70]] = 0
    run = dict(features=x, labels=prices, fold=2, folds=2, models=tiny_models("linear", "mlp"), fine=FINE, seed=0,
               device=torch.device("cpu"))
    as_ints = nested.run_outer_fold(trainable=flags, **run)
    as_bools = nested.run_outer_fold(trainable=flags == 1, **run)
    for key in ("outer_log_rmse", "outer_log_rmse_trainable_rows", "inner_log_rmse", "trained_rows"):
        assert as_ints[key] == as_bools[key], key


def test_log_rmse_is_nan_unless_every_prediction_is_finite():
    assert math.isnan(nested.log_rmse([math.inf, 2.0], [1.0, 2.0]))  # d2l's formula alone would give inf
    assert math.isnan(nested.log_rmse([math.nan, 2.0], [1.0, 2.0]))
    assert nested.log_rmse([math.e, 1.0], [[1.0], [1.0]]) == pytest.approx(math.sqrt(0.5))


# ---- every path leaves the untrainable rows out of fitting (each use of the mask on its own) ----

CPU = torch.device("cpu")


def masked_prices(n=120):
    """Synthetic prices with rows 3, 40 and 70 untrainable and priced 20 times too high: a fit that trained on
    them would predict visibly higher prices."""
    x, prices, _ = synthetic_prices(n=n)
    trainable = np.ones(n, dtype=bool)
    trainable[[3, 40, 70]] = False
    prices = prices.copy()
    prices[~trainable] *= 20
    return x, prices, trainable


def test_the_inner_search_trains_every_trial_on_the_trainable_rows_only():
    """Its coarse and fine trials score as the search's trials with the same mask, not as trials on every row."""
    x, prices, trainable = masked_prices()
    model = tiny_models("linear")["linear"]
    search = nested.inner_search(features=x, labels=prices, trainable=trainable, fine=FINE, seed=0, device=CPU, **model)

    def rerun(record, mask):
        stage = model["stages"]["fine" if record["trial"].startswith("fine") else "coarse"]
        return trials.run_trial(trial={k: record[k] for k in ("trial", *model["ranges"])}, features=x, labels=prices,
                                settings=stage, device=CPU, trainable=mask)["valid_log_rmse"]

    for record in search["trials"]:
        assert record["valid_log_rmse"] == rerun(record, trainable) != rerun(record, None), record["trial"]


def fit_without(rows, trial, settings, valid, x, prices, seed):
    """The prices of rows `valid` predicted by a fit on `rows` alone (the untrainable ones already removed)."""
    return trials.fit_best(trial=trial, features=x[rows], labels=prices[rows], test_features=x[valid],
                           settings=settings, device=CPU, seed=seed)[1]


def test_fit_predict_fits_the_trainable_training_rows_only():
    x, prices, trainable = masked_prices()
    train, valid = nested.outer_split(120, 2, 2)
    trial, settings = {"trial": "t", "lr": 0.05, "weight_decay": 1e-3}, {**SETTINGS, "epochs": 5}
    got = nested._fit_predict(trial, settings, train, valid, features=x, labels=prices, trainable=trainable, device=CPU,
                              seed=7)
    kept = train[trainable[train]]  # rows 3 and 40 out
    assert len(kept) == 58
    np.testing.assert_array_equal(got, fit_without(kept, trial, settings, valid, x, prices, seed=7))
    assert not np.array_equal(got, fit_without(train, trial, settings, valid, x, prices, seed=7))


def test_the_outer_refit_leaves_the_untrainable_rows_out():
    x, prices, trainable = masked_prices()
    models = tiny_models("linear")
    record = nested.run_outer_fold(features=x, labels=prices, trainable=trainable, fold=2, folds=2, models=models,
                                   fine=FINE, seed=0, device=CPU)
    train, valid = nested.outer_split(120, 2, 2)
    picked, settings = record["searches"]["linear"]["picked"], models["linear"]["stages"]["fine"]
    seed = derive_seed("search", "outer", 2)
    alone = fit_without(train[trainable[train]], picked, settings, valid, x, prices, seed)
    assert record["outer_log_rmse"] == nested.log_rmse(alone, prices[valid])
    assert record["outer_log_rmse"] != nested.log_rmse(fit_without(train, picked, settings, valid, x, prices, seed),
                                                       prices[valid])


def test_the_inner_average_leaves_the_untrainable_rows_out_as_its_search_did():
    x, prices, trainable = masked_prices()
    models = tiny_models("mlp")
    search = nested.inner_search(features=x, labels=prices, trainable=trainable, fine=FINE, seed=0, device=CPU,
                                 **models["mlp"])
    picked, settings = {"mlp": search["picked"]}, {"mlp": models["mlp"]["stages"]["fine"]}
    masked, unmasked = (nested.inner_average_score(picked, settings, features=x, labels=prices, trainable=mask, folds=2,
                                                   device=CPU) for mask in (trainable, None))
    assert masked == pytest.approx(search["inner_log_rmse"], rel=1e-5)
    assert unmasked != pytest.approx(search["inner_log_rmse"], rel=1e-3)  # trained on every row: another score


def test_the_inner_fine_stage_is_planned_around_the_top_coarse_trials_only():
    x, prices, _ = synthetic_prices(n=120)
    model, fine = tiny_models("linear")["linear"], {"trials": 1, "top": 1, "shrink": 0.3}
    search = nested.inner_search(features=x, labels=prices, trainable=None, fine=fine, seed=5, device=CPU, **model)
    coarse = search["trials"][:2]
    best = min(coarse, key=lambda t: t["valid_log_rmse"])
    assert search["fine_ranges"] == sampling.fine_ranges([best], model["ranges"], shrink=0.3)
    assert search["fine_ranges"] != sampling.fine_ranges(coarse, model["ranges"], shrink=0.3)


def test_float32_predictions_and_prices_are_averaged_and_scored_in_float64():
    """The float32 values, converted exactly, then every step in float64: the float64 result to the bit (the
    same computation in float32 gives other bits)."""
    rng = np.random.default_rng(3)
    a, b, labels = (np.exp(rng.uniform(10, 13, 50)).astype(np.float32) for _ in range(3))
    average = nested.average_log_prices([a, b])
    wide = np.exp((np.log(a.astype(np.float64)) + np.log(b.astype(np.float64))) / 2)
    assert average.dtype == np.float64
    np.testing.assert_array_equal(average, wide)
    assert not np.array_equal(np.exp((np.log(a) + np.log(b)) / 2).astype(np.float64), wide)
    score = nested.log_rmse(a, labels)
    as_float64 = regression.log_rmse(*(torch.as_tensor(v, dtype=torch.float64).reshape(-1, 1) for v in (a, labels)))
    as_float32 = regression.log_rmse(*(torch.as_tensor(v).reshape(-1, 1) for v in (a, labels)))
    assert score == as_float64 != as_float32
    # float64 predictions against float32 labels (the data's dtype): the labels too are read in float64
    assert nested.log_rmse(wide, labels) == regression.log_rmse(
        *(torch.as_tensor(v, dtype=torch.float64).reshape(-1, 1) for v in (wide, labels)))
