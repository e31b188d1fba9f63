"""initlab.studies.optimizers.summary and claims: per-seed columns and the notes' claims, each verdict both ways."""

import math

import pytest
from initlab.studies.optimizers import claims, summary


def records(runs):
    """runs: {(optimizer, schedule): [epoch losses per seed, or None for a diverged seed]} -> job records."""
    return [{"optimizer": o, "schedule": s, "settings": {"lr": 0.1}, "seed": seed, "diverged": losses is None,
             "final_valid_accuracy": math.nan if losses is None else 0.8 - losses[-1] / 10,
             "epoch_losses": losses or [], "seconds": 1.0, "cpu_seconds": 1.0, "device": "cpu"}
            for (o, s), seeds in runs.items() for seed, losses in enumerate(seeds)]


SGD = [[1.0, 0.60], [1.2, 0.70], [0.9, 0.50]]  # per seed: its own level, shared by every run of that seed


def shifted(runs, by):
    return [[v + by[i] for v in losses] for i, losses in enumerate(runs)]


def test_summary_keeps_each_seed_for_the_paired_comparisons():
    table = summary.summarize(records({("sgd", "none"): SGD, ("adam", "none"): [[0.5, 0.2], None, [0.4, 0.1]]}))
    row = table.set_index(["optimizer", "schedule"]).loc[("adam", "none")]
    assert summary.per_seed(row, "train_loss")[0] == pytest.approx(0.35)
    assert math.isnan(summary.per_seed(row, "last_epoch_loss")[1])
    assert summary.per_seed(row, "last_epoch_loss")[2] == pytest.approx(0.1)
    assert row["seeds"] == 3 and row["diverged"] == 1 and row["train_loss_mean"] == pytest.approx(0.3)


def test_momentum_claim_agrees_when_every_seed_is_lower_and_disagrees_when_higher():
    lower = records({("sgd", "none"): SGD, ("momentum", "none"): shifted(SGD, [-0.10, -0.12, -0.11])})
    found = claims.optimizer_claims(summary.summarize(lower)).set_index("comparison")
    assert found.loc["momentum vs sgd", "verdict"] == "agrees"
    assert found.loc["momentum vs sgd", "claim"] == claims.MOMENTUM_CLAIM
    assert found.loc["momentum vs sgd", "difference"] == pytest.approx(-0.11)
    higher = records({("sgd", "none"): SGD, ("momentum", "none"): shifted(SGD, [0.10, 0.12, 0.11])})
    assert claims.optimizer_claims(summary.summarize(higher))["verdict"].tolist() == ["disagrees"]


def test_paired_rule_sees_through_the_seed_to_seed_spread_but_not_mixed_signs():
    # differences -0.1, +0.1, -0.05: no consistent direction -> no difference found
    mixed = records({("sgd", "none"): SGD, ("momentum", "none"): shifted(SGD, [-0.10, 0.10, -0.05])})
    assert claims.optimizer_claims(summary.summarize(mixed))["verdict"].tolist() == ["no difference found"]
    # a diverged seed leaves two pairs: cannot tell
    two = records({("sgd", "none"): SGD, ("momentum", "none"): [*shifted(SGD, [-0.1, -0.1, -0.1])[:2], None]})
    assert claims.optimizer_claims(summary.summarize(two))["verdict"].tolist() == ["cannot tell"]


def test_annealing_is_judged_on_the_last_epoch_and_curves_that_coincide_are_not_called_lower():
    runs = {("sgd", "none"): SGD, ("sgd", "step"): [[l[0], l[1] - d] for l, d in zip(SGD, (0.05, 0.07, 0.06))],
            ("sgd", "exponential"): [[l[0], l[1] + d] for l, d in zip(SGD, (1e-4, -2e-4, 1e-4))]}
    found = claims.optimizer_claims(summary.summarize(records(runs)))
    assert found.set_index("comparison")["verdict"].to_dict() == {
        "sgd + step vs sgd": "agrees", "sgd + exponential vs sgd": "no difference found"}
    assert claims.schedule_sentence(found) == (
        "Last-epoch training loss under a schedule, paired by seed: settled lower than the constant rate: "
        "sgd + step vs sgd; not found lower: sgd + exponential vs sgd (no difference found).")
    same = claims.optimizer_claims(summary.summarize(records({("sgd", "none"): SGD, ("sgd", "step"): SGD})))
    assert same["verdict"].tolist() == ["identical"]  # the schedule never lowered the rate: curves coincide
    assert claims.schedule_sentence(same).endswith("not found lower: sgd + step vs sgd (identical).")
    steady = [[l[0], l[1] - 0.05] for l in SGD]  # lower by exactly 0.05 on every seed: no spread, cannot tell
    same = claims.optimizer_claims(summary.summarize(records({("sgd", "none"): SGD, ("sgd", "step"): steady})))
    assert same["verdict"].tolist() == ["cannot tell"]


def test_conclusion_counts_every_verdict_and_names_those_against():
    runs = {("sgd", "none"): SGD, ("momentum", "none"): shifted(SGD, [-0.1, -0.12, -0.11]),
            ("adagrad", "none"): SGD, ("rmsprop", "none"): shifted(SGD, [0.2, 0.25, 0.22]),
            ("adam", "none"): [None, None, None]}
    table = summary.summarize(records(runs))
    found = claims.optimizer_claims(table)
    text = claims.optimizer_conclusion(table, found, epochs=2)
    assert text.startswith("After 2 epochs the best run by validation accuracy is **momentum** (lr 0.1)")
    assert "Diverged (left out of the means): adam (3 of 3 seeds)." in text
    assert text.endswith("Of the 2 comparisons that test the notes' claims on the training loss: 1 agrees, "
                         "1 disagrees, 0 no difference found, 0 identical, 0 cannot tell "
                         "(against: rmsprop vs adagrad).")
    assert claims.optimizer_conclusion(table.tail(1), found.iloc[:0]) == (
        "Every run diverged: no optimizer finished training.")


def test_claims_skip_runs_that_are_not_configured():
    table = summary.summarize(records({("sgd", "none"): SGD, ("adam", "none"): SGD}))
    found = claims.optimizer_claims(table)
    assert found.empty and list(found.columns) == claims.COLUMNS


def test_overview_rows_one_per_claim():
    runs = {("sgd", "none"): SGD, ("momentum", "none"): shifted(SGD, [-0.1, -0.12, -0.11]),
            ("nesterov", "none"): shifted(SGD, [-0.1, 0.1, -0.05]),
            ("adagrad", "none"): SGD, ("rmsprop", "none"): shifted(SGD, [0.2, 0.25, 0.22])}
    rows = claims.overview_rows(claims.optimizer_claims(summary.summarize(records(runs))))
    assert [(r[0], r[3]) for r in rows] == [
        ("Momentum almost always converges faster than the plain update on deep networks", "not shown"),
        ("Adagrad's monotonically shrinking rate is usually too aggressive and stops learning too early", "no")]
    assert rows[0][1] == "momentum vs sgd: agrees; nesterov vs sgd: no difference found"
    assert rows[1][4] == "unexplained: rmsprop vs adagrad"
    agreeing = {("sgd", "none"): SGD, ("momentum", "none"): shifted(SGD, [-0.1, -0.12, -0.11])}
    assert claims.overview_rows(claims.optimizer_claims(summary.summarize(records(agreeing))))[0][3] == "yes"
