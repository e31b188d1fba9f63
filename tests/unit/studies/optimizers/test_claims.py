"""initlab.studies.optimizers.summary and claims: per-seed columns and the notes' claims, each verdict both ways."""

import math

import pandas as pd
import pytest
from initlab.studies.optimizers import claims, summary


def records(runs, lrs=None, per_epoch=2):
    """runs: {(optimizer, schedule): [epoch losses per seed, or None for a diverged seed]} -> job records, each
    epoch `per_epoch` batches at its epoch's loss; lrs: {(optimizer, schedule): learning rate per epoch}, else
    0.1 throughout."""
    lrs = lrs or {}
    return [{"optimizer": o, "schedule": s, "settings": {"lr": 0.1}, "seed": seed, "diverged": losses is None,
             "final_valid_accuracy": math.nan if losses is None else 0.8 - losses[-1] / 10,
             "epoch_losses": losses or [], "batch_losses": [v for v in losses or [] for _ in range(per_epoch)],
             "lrs": lrs.get((o, s), [0.1] * len(losses or [])), "steps": per_epoch * len(losses or []),
             "seconds": 1.0, "cpu_seconds": 1.0, "device": "cpu"}
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
    assert summary.per_seed(row, "previous_epoch_loss")[0] == pytest.approx(0.5)
    assert math.isnan(summary.per_seed(row, "previous_epoch_loss")[1])
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
    same = claims.optimizer_claims(summary.summarize(records({("sgd", "none"): SGD, ("sgd", "step"): SGD})))
    assert same["verdict"].tolist() == ["identical"]  # the schedule never lowered the rate: curves coincide
    steady = [[l[0], l[1] - 0.05] for l in SGD]  # lower by exactly 0.05 on every seed: no spread, cannot tell
    same = claims.optimizer_claims(summary.summarize(records({("sgd", "none"): SGD, ("sgd", "step"): steady})))
    assert same["verdict"].tolist() == ["cannot tell"]


def test_claims_skip_runs_that_are_not_configured():
    table = summary.summarize(records({("sgd", "none"): SGD, ("adam", "none"): SGD}))
    found = claims.optimizer_claims(table)
    assert found.empty and list(found.columns) == claims.COLUMNS


FALLING = [[1.0, 0.70, 0.60], [1.2, 0.80, 0.68], [0.9, 0.60, 0.52]]  # last epoch 0.1, 0.12, 0.08 below the one before
FLAT = [[1.0, 0.60, 0.61], [1.2, 0.70, 0.69], [0.9, 0.50, 0.505]]  # last epoch +0.01, -0.01, +0.005: not found lower
DECAY = [0.1, 0.07, 0.049]  # an exponential schedule lowers the rate from epoch 2


def above(runs, by=(0.03, 0.028, 0.032)):
    """Each seed's losses with its last epoch raised by `by`: a run that ends higher, paired by seed."""
    return [[*l[:-1], l[-1] + d] for l, d in zip(runs, by)]


def test_annealing_disagreement_is_explained_only_when_the_constant_rate_still_fell_and_the_rate_was_lowered():
    def why(constant, lrs=DECAY):
        runs = {("sgd", "none"): constant, ("sgd", "exponential"): above(constant)}
        found = claims.optimizer_claims(summary.summarize(records(runs, {("sgd", "exponential"): lrs})))
        assert found["verdict"].tolist() == ["disagrees"]
        return found, found["why"].iloc[0]

    found, reason = why(FALLING)
    assert reason.startswith("sgd's training loss still fell in its last epoch (0.700 -> 0.600, paired by seed, p ")
    assert reason.endswith("): there was no plateau yet for annealing to settle below, and the rate lowered from "
                           "epoch 2 made the descent slower")
    assert claims.overview_rows(found)[0][3:] == ("no", f"sgd + exponential vs sgd: {reason}")
    flat, reason = why(FLAT)  # the constant rate had levelled off: annealing's promise is testable and failed
    assert reason == ""
    assert claims.overview_rows(flat)[0][3:] == ("no", "unexplained: sgd + exponential vs sgd")
    assert why(FALLING, lrs=[0.1, 0.1, 0.1])[1] == ""  # the rate was never lowered: the reason does not apply


def test_adagrad_disagreement_is_explained_only_when_adagrad_still_fell():
    for adagrad, expected in ((FALLING, "adagrad's training loss still fell in its last epoch (0.700 -> 0.600"),
                              (FLAT, None)):
        found = claims.optimizer_claims(summary.summarize(records({("adagrad", "none"): adagrad,
                                                                   ("rmsprop", "none"): above(adagrad)})))
        assert found["verdict"].tolist() == ["disagrees"]
        [row] = claims.overview_rows(found)
        if expected:
            assert row[4].startswith(f"rmsprop vs adagrad: {expected}")
            assert row[4].endswith("within this budget its shrinking rate had not stopped learning")
        else:
            assert row[4] == "unexplained: rmsprop vs adagrad"


def test_reasons_name_comparisons_that_share_a_reason_together_and_the_rest_as_unexplained():
    group = pd.DataFrame({"comparison": ["a vs c", "b vs c", "d vs c", "e vs c"],
                          "verdict": ["disagrees", "disagrees", "disagrees", "agrees"], "why": ["r", "r", "", ""]})
    assert claims.reasons(group) == ["a vs c, b vs c: r", "unexplained: d vs c"]
    assert claims.reasons(group.assign(verdict="agrees")) == []


def test_overview_rows_one_per_claim():
    runs = {("sgd", "none"): SGD, ("momentum", "none"): shifted(SGD, [-0.1, -0.12, -0.11]),
            ("nesterov", "none"): shifted(SGD, [-0.1, 0.1, -0.05]),
            ("adagrad", "none"): FLAT, ("rmsprop", "none"): above(FLAT, (0.2, 0.25, 0.22))}
    rows = claims.overview_rows(claims.optimizer_claims(summary.summarize(records(runs))))
    assert [(r[0], r[3]) for r in rows] == [
        ("Momentum almost always converges faster than the plain update on deep networks", "not shown"),
        ("Adagrad's monotonically shrinking rate is usually too aggressive and stops learning too early", "no")]
    assert rows[0][1] == "momentum vs sgd: agrees; nesterov vs sgd: no difference found"
    assert rows[0][4] == "at this budget: nesterov vs sgd (no difference found)"
    assert rows[1][4] == "unexplained: rmsprop vs adagrad"
    agreeing = {("sgd", "none"): SGD, ("momentum", "none"): shifted(SGD, [-0.1, -0.12, -0.11])}
    assert claims.overview_rows(claims.optimizer_claims(summary.summarize(records(agreeing))))[0][3] == "yes"
