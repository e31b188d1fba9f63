"""initlab.studies.optimizers.sentences (and summary.departures): each sentence both ways."""

import math

import pandas as pd
from initlab.studies.optimizers import claims, sentences, summary

from .test_claims import SGD, records, shifted


def test_english_lists_and_counts_that_omit_zeros_and_agree_in_number():
    assert [sentences.english(x) for x in ([], ["a"], ["a", "b"], ["a", "b", "c"])] == ["", "a", "a and b",
                                                                                      "a, b and c"]
    table = pd.DataFrame({"comparison": ["m vs s", "n vs s", "e vs s", "i vs s", "r vs a", "t vs s"],
                          "verdict": ["agrees", "agrees", "disagrees", "disagrees", "disagrees",
                                      "no difference found"]})
    assert sentences.verdict_counts(table) == ("2 agree with the notes, 3 disagree (e vs s, i vs s, r vs a) and "
                                               "1 finds no difference")
    one = table.iloc[[0, 2]].assign(verdict=["identical", "cannot tell"])
    assert sentences.verdict_counts(one) == ("1 gives identical losses and 1 cannot tell (too few finished seeds "
                                             "or no spread)")


def test_conclusion_places_the_highest_and_lowest_by_the_paired_rule_and_counts_the_claims():
    runs = {("sgd", "none"): SGD, ("momentum", "none"): shifted(SGD, [-0.1, -0.12, -0.11]),
            ("adagrad", "none"): SGD, ("rmsprop", "none"): shifted(SGD, [0.2, 0.25, 0.22]),
            ("adam", "none"): [None, None, None]}
    table = summary.summarize(records(runs))  # accuracy 0.8 - last loss / 10: momentum highest, rmsprop lowest
    text = sentences.optimizer_conclusion(table, claims.optimizer_claims(table), epochs=2, false_alarm_rate=0.05)
    assert text.startswith("After 2 epochs the highest mean validation accuracy is **momentum** (lr 0.1): 75.1% "
                           "(74.2-76.1 over 3 seeds); by the paired rule on the seeds' accuracies it is above sgd, "
                           "adagrad and rmsprop. The lowest is **rmsprop** (lr 0.1): 71.8% (70.5-72.8 over 3 seeds), "
                           "below momentum, sgd and adagrad.")
    assert "Of these 5 comparisons chance alone would flag about 0.2 even if no run truly differed." in text
    assert "Diverged (left out of the means): adam (3 of 3 seeds)." in text
    assert text.endswith("Of the 2 comparisons that test the notes' claims on the training loss, 1 agrees with the "
                         "notes and 1 disagrees (rmsprop vs adagrad).")
    # a run whose seeds scatter is not told apart from anything
    scattered = summary.summarize(records({("sgd", "none"): SGD, ("adam", "none"): shifted(SGD, [-0.3, 0.2, -0.1])}))
    text = sentences.optimizer_conclusion(scattered, claims.optimizer_claims(scattered))
    assert text.startswith("The highest mean validation accuracy is **adam**")
    assert "it is not told apart from any other run. The lowest is **sgd**" in text
    assert "chance alone" not in text and "comparisons that test" not in text
    twins = summary.summarize(records({("sgd", "none"): SGD, ("sgd", "step"): SGD}))  # a rate never lowered
    assert "it is identical to sgd + step. The lowest is **sgd + step**" in sentences.optimizer_conclusion(
        twins, claims.optimizer_claims(twins))
    assert sentences.optimizer_conclusion(table.tail(1), claims.optimizer_claims(table).iloc[:0]) == (
        "Every run diverged: no optimizer finished training.")


def test_schedule_sentence_names_each_schedule_by_its_verdict():
    found = pd.DataFrame({"claim": [claims.ANNEALING_CLAIM] * 3 + [claims.MOMENTUM_CLAIM],
                          "comparison": ["sgd + step vs sgd", "sgd + exponential vs sgd", "sgd + inverse_time vs sgd",
                                         "momentum vs sgd"],
                          "verdict": ["no difference found", "disagrees", "disagrees", "agrees"]})
    assert sentences.schedule_sentence(found) == (
        "The last epoch's training loss against the constant rate, paired by seed: not told apart under sgd + step; "
        "higher under sgd + exponential and sgd + inverse_time.")
    assert sentences.schedule_sentence(found.assign(verdict="agrees")).endswith(
        "lower under sgd + step, sgd + exponential and sgd + inverse_time.")
    assert sentences.schedule_sentence(found.iloc[3:]) == "No schedule is configured."


CONSTANT = [2.0, 1.5, 1.2, 1.0, 0.9, 0.8]  # 3 epochs of 2 batches


def run(schedule, seed, batch_losses, lrs):
    return {"optimizer": "sgd", "schedule": schedule, "settings": {"lr": 0.1}, "seed": seed, "diverged": False,
            "final_valid_accuracy": 0.8, "batch_losses": batch_losses, "lrs": lrs, "seconds": 1.0,
            "cpu_seconds": 1.0, "device": "cpu",
            "epoch_losses": [sum(batch_losses[i:i + 2]) / 2 for i in range(0, len(batch_losses), 2)]}


def schedules(**runs):
    """runs: schedule -> (batch losses of seed 0, lrs); seed 1 equals seed 0 on every run."""
    found = [run("none", seed, CONSTANT, [0.1] * 3) for seed in (0, 1)]
    found += [run(name, seed, losses, lrs) for name, (losses, lrs) in runs.items() for seed in (0, 1)]
    return summary.summarize(found)


def test_departures_and_coincide_sentence_lines_that_coincide_until_the_rate_drops():
    table = schedules(step=([*CONSTANT[:5], 0.75], [0.1, 0.1, 0.05]), exponential=([*CONSTANT[:3], 0.95, 0.85, 0.8],
                                                                                  [0.1, 0.07, 0.049]))
    row = table.set_index(["optimizer", "schedule"]).loc[("sgd", "step")]
    assert (row["departs_lr_epoch"], row["departs_loss_step"], row["departs_pairs"], row["steps_per_epoch"]) == (
        3, 6, 2, 2)
    assert sentences.coincide_sentence(table) == (
        "The runs of one seed share initial weights and batch order, so each of the 2 scheduled sgd lines coincides "
        "with sgd at the constant rate 0.1 until its schedule lowers the rate: sgd + exponential follows it through "
        "step 3 (rate lowered from epoch 2); sgd + step follows it through step 5 (rate lowered from epoch 3). A "
        "step's loss is measured before its update, so a lowered rate shows one step after it takes effect.")
    assert sentences.coincide_sentence(table, unit="epoch").endswith(
        "sgd + exponential follows it through epoch 1 (rate lowered from epoch 2); sgd + step follows it through "
        "epoch 2 (rate lowered from epoch 3).")


def test_coincide_sentence_lines_that_part_from_the_start_never_or_too_early():
    table = schedules(step=([2.0, 1.4, 1.1, 1.0, 0.9, 0.8], [0.05, 0.05, 0.025]),
                      exponential=(CONSTANT, [0.1, 0.1, 0.1]),
                      inverse_time=([*CONSTANT[:2], 1.21, 1.0, 0.9, 0.8], [0.1, 0.1, 0.05]))
    assert math.isnan(table.set_index("schedule").loc["exponential", "departs_loss_step"])
    assert sentences.coincide_sentence(table).split(" until its schedule lowers the rate: ")[1] == (
        "sgd + step parts from it from the first update (rate lowered from epoch 1); sgd + inverse_time follows it "
        "through step 2 (rate lowered only from epoch 3: the runs are not bit-reproducible on this device); "
        "sgd + exponential follows it throughout (rate never lowered). A step's loss is measured before its update, "
        "so a lowered rate shows one step after it takes effect.")
    assert "sgd + step parts from it from the first epoch" in sentences.coincide_sentence(table, unit="epoch")
    never = schedules(step=(CONSTANT, [0.1, 0.1, 0.1]))
    assert sentences.coincide_sentence(never) == (
        "The runs of one seed share initial weights and batch order, so the scheduled sgd line coincides with sgd at "
        "the constant rate 0.1 until its schedule lowers the rate: sgd + step follows it throughout (rate never "
        "lowered).")
    plain = summary.summarize([run("none", 0, CONSTANT, [0.1] * 3)])
    assert sentences.coincide_sentence(plain) == ""  # no schedule: no lines to coincide


def test_departures_leave_out_runs_without_a_finished_constant_run():
    found = summary.departures([run("step", 0, CONSTANT, [0.1, 0.1, 0.05]),
                                {**run("none", 0, CONSTANT, [0.1] * 3), "diverged": True}])
    assert found == {}
    assert summary.first_difference([1, 2, 3], [1, 2, 4, 5]) == 3 and summary.first_difference([1], [1, 2]) is None
