"""initlab.studies.initializers.claims: each sentence comes out both ways from the table beside it."""

import pandas as pd
from initlab.studies.initializers import claims, summary


def table_of(valid, lesson):
    """valid, lesson: {initializer: [accuracy fraction per seed]} with dropout off / on."""
    rows = [{"initializer": name, "seed": seed, "valid_accuracy": v, "test_accuracy": v,
             "lesson_valid_accuracy": lesson[name][seed], "final_loss": 1.0, "diverged": False,
             "seconds": 1.0, "cpu_seconds": 1.0, "device": "cpu"}
            for name, values in valid.items() for seed, v in enumerate(values)]
    return summary.mean_std_table(summary.summary_frame(rows), list(valid))


def test_outcome_groups_follow_the_means():
    table = table_of({"zeros": [0.1, 0.1, 0.1], "normal": [0.85, 0.86, 0.87], "uniform": [0.4, 0.45, 0.5]},
                     {"zeros": [0.1, 0.1, 0.1], "normal": [0.85, 0.86, 0.87], "uniform": [0.4, 0.45, 0.5]})
    assert claims.outcome_conclusion(table) == (
        "Validation accuracy after training, dropout off: zeros (10.0%) stays at chance; normal (86.0%) reaches at "
        "least 84%; uniform (45.0%) lands in between.")
    assert "normal (86.0%), uniform (45.0%) land in between" in claims.outcome_conclusion(table, good=90.0)


def test_dropout_effect_states_the_measured_gap_and_its_direction():
    off = {"uniform": [0.45, 0.45, 0.45], "normal": [0.86, 0.86, 0.86]}
    on = {"uniform": [0.34, 0.34, 0.34], "normal": [0.85, 0.85, 0.85]}
    assert claims.dropout_effect(table_of(off, on)) == (
        "Measuring with dropout on lowers our validation accuracy by 1.0 to 11.0 points (largest for uniform). So "
        "only the dropout-on column below is compared with the published numbers.")
    assert claims.dropout_effect(table_of(on, off)).startswith("Measuring with dropout on raises")
    one = claims.dropout_effect(table_of({**off, "zeros": [0.1] * 3}, {"uniform": [0.40] * 3, "normal": [0.85] * 3,
                                                                     "zeros": [0.1] * 3}))
    assert one.startswith("For the initializers that trained above chance, measuring with dropout on lowers our "
                          "validation accuracy by 1.0 to 5.0 points (largest for uniform); for those at chance (zeros) "
                          "it moves it by at most 0.0 points.")
    mixed = claims.dropout_effect(table_of(off, {"uniform": [0.34] * 3, "normal": [0.88] * 3}))
    assert "changes our validation accuracy by -2.0 to +11.0 points (dropout off minus on)" in mixed
    single = claims.dropout_effect(table_of({"normal": [0.86] * 3}, {"normal": [0.85] * 3}))
    assert "by 1.0 points (normal, the one initializer above chance)" in single
    chance = {"zeros": [0.1, 0.1, 0.1]}
    assert claims.dropout_effect(table_of(chance, chance)).startswith("No initializer trained above chance")


def test_lesson_protocol_names_inside_outside_and_cannot_tell():
    off = {"uniform": [0.45, 0.46, 0.47], "normal": [0.86, 0.87, 0.88], "zeros": [0.1, 0.1, 0.1],
           "orthogonal": [0.8, 0.8, 0.8]}
    on = {"uniform": [0.33, 0.34, 0.35], "normal": [0.70, 0.71, 0.72], "zeros": [0.1, 0.1, 0.1],
          "orthogonal": [0.8, 0.8, 0.8]}
    text = claims.lesson_protocol_conclusion(table_of(off, on))
    assert text == ("Measured as the lesson measured (dropout on), the published validation accuracy lies within "
                    "our seed spread for uniform; outside it for normal (published 85.2%, ours 71.0%); cannot tell "
                    "for zeros (fewer than 3 finished seeds, or every seed gave the same accuracy).")
    none = table_of({"orthogonal": [0.8, 0.8, 0.8]}, {"orthogonal": [0.8, 0.8, 0.8]})
    assert claims.lesson_protocol_conclusion(none) == "No configured initializer has a published number."
    assert isinstance(none, pd.DataFrame)


def test_overview_rows_compare_like_for_like_and_flag_the_unexplained():
    off = {"uniform": [0.45, 0.46, 0.47], "normal": [0.86, 0.87, 0.88], "zeros": [0.1, 0.1, 0.1]}
    on = {"uniform": [0.33, 0.34, 0.35], "normal": [0.70, 0.71, 0.72], "zeros": [0.1, 0.1, 0.1]}
    rows = {r[0]: r for r in claims.overview_rows(table_of(off, on))}
    assert rows["uniform: validation accuracy %, dropout on"][1:4] == ("34.00 ± 1.00 (3 seeds)", "33.933 (one run)",
                                                                      "yes")
    assert rows["normal: validation accuracy %, dropout on"][3:] == (
        "no", "unexplained: outside our seeds' 95% prediction interval")
    assert rows["zeros: validation accuracy %, dropout on"][3] == "cannot tell"
    quick = claims.overview_rows(table_of(off, on), {"epochs": 1, "train_samples": 2000, "lr": 0.001})
    assert {r[0]: r for r in quick}["normal: validation accuracy %, dropout on"][4] == (
        "our settings are not the lesson's (epochs, train_samples)")
