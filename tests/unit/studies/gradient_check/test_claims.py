"""initlab.studies.gradient_check.claims: each sentence follows the verdicts, both ways."""

import pandas as pd
from initlab.studies.gradient_check import claims


def checks(rows):
    """rows: (model, parameter, verdict, max_rel_error, planted, below_precision)."""
    return pd.DataFrame([{"model": m, "parameter": p, "term": "data", "entries": 10, "verdict": v,
                          "max_rel_error": e, "planted": planted, "below_precision": b}
                         for m, p, v, e, planted, b in rows])


OWN = [("house_linear", "weight", "correct", 1e-9, False, 0), ("house_mlp", "0.weight", "correct", 1e-6, False, 3)]


def test_project_sentence_names_the_worst_tensor_and_entries_below_precision():
    text = claims.project_sentence(checks(OWN))
    assert text == ("**Project models**: 2 models, 20 entries checked; none is flagged wrong; the largest relative "
                    "error is 1.0e-06 (house_mlp, 0.weight, data term, verdict correct; 3 of its entries differ by "
                    "less than float64 rounding can resolve, which the notes' thresholds do not judge).")
    bad = checks([*OWN, ("house_mlp", "2.weight", "wrong", 0.5, False, 0)])
    assert "**1 tensor flagged wrong**" in claims.project_sentence(bad)
    worse = checks([*OWN, ("house_mlp", "2.weight", "wrong", 0.5, False, 0), ("house_mlp", "4.weight", "wrong", 0.6,
                                                                               False, 0)])
    assert "**2 tensors flagged wrong**" in claims.project_sentence(worse)


def test_sentences_name_tensors_in_words_where_summary_has_labels():
    labelled = checks(OWN).assign(label=["weights", "layer 1 weights"])
    assert "(house_mlp, layer 1 weights, data term" in claims.project_sentence(labelled)
    planted = checks([("planted", "hidden.bias", "wrong", 0.3, True, 0)]).assign(label="layer 1 bias")
    assert "flagged wrong (relative error up to 0.3): layer 1 bias (data)." in claims.planted_sentence(planted)


def test_planted_sentence_locates_the_bug_only_when_the_other_tensors_read_fine():
    planted = [("planted", "0.weight", "wrong", 0.3, True, 0), ("planted", "2.weight", "correct", 1e-9, True, 0)]
    assert claims.planted_sentence(checks(planted)).endswith("0.weight (data); the other tensors read correct, "
                                                             "which locates the bug.")
    spread = [planted[0], ("planted", "2.weight", "suspect", 1e-3, True, 0)]
    assert claims.planted_sentence(checks(spread)).endswith("the other tensors read **suspect**, so the check "
                                                            "does not locate it alone.")
    missed = [("planted", "0.weight", "correct", 1e-9, True, 0)]
    assert "none, so the checker missed it." in claims.planted_sentence(checks(missed))


def test_sanity_sentence_counts_passes_and_names_failures():
    sanity = pd.DataFrame({"check": ["initial_loss", "regularization_raises_loss"], "value": [2.3030, 0.1],
                           "expected": [2.302585, "> 0"], "passed": [True, False]})
    text = claims.sanity_sentence(sanity)
    assert text.startswith("1 of 2 sanity checks pass; the initial loss 2.3030 is 4.1e-04 from ln(10) = 2.303")
    assert text.endswith("**Failed: regularization_raises_loss.**")
    assert claims.sanity_sentence(sanity.assign(passed=["True", "True"])).endswith("over 10 classes.")


def test_overview_rows_agree_when_verdicts_pass_and_say_why_not():
    sanity = pd.DataFrame({"check": ["initial_loss", "overfit"], "passed": [True, True]})
    planted = [("planted", "0.weight", "wrong", 0.3, True, 0)]
    rows = claims.overview_rows(checks(OWN + planted), sanity, correct=1e-7, suspect=1e-4)
    assert [r[3] for r in rows] == ["yes", "yes", "yes"]
    assert rows[0][4].startswith("agrees: the entries above 1e-7 differ by less than float64 rounding")
    bad = checks([*OWN, ("house_mlp", "2.weight", "suspect", 1e-3, False, 0), ("planted", "0.weight", "correct",
                                                                                 1e-9, True, 0)])
    rows = claims.overview_rows(bad, sanity.assign(passed=[True, False]), correct=1e-7, suspect=1e-4)
    assert [r[3] for r in rows] == ["no", "no", "no"]
    assert rows[0][4] == "unexplained: a project model's gradient reads suspect"
    assert rows[2][4] == "unexplained: failed overfit"
