"""initlab.studies.linear_regression.claims: each clause follows the numbers, both ways."""

import pandas as pd
from initlab.studies.linear_regression import claims

D2L = (0.042790, 0.000162, 0.000051)


def fits(last, errors=(1e-4, 2e-4, 5e-5)):
    return pd.DataFrame({"loss_epoch_1": [0.03, 0.03, None], "loss_epoch_2": [1e-4, 1e-4, None],
                         "loss_epoch_3": [last, last, None], "w_error": list(errors), "b_error": [1e-5] * 3},
                        index=pd.Index(["scratch", "concise", "closed_form"], name="method"))


def test_the_last_epoch_is_placed_at_below_or_above_the_noise_level():
    at = claims.conclusion(fits(5.1e-5), D2L, noise=0.01)
    assert at.startswith("From scratch, the loss falls from 0.0300 after the first epoch to 0.000051 after the last")
    assert "The last epoch's loss is 1.02 x noise^2/2 = 5.0e-05, at the noise level (0.8 to 1.25 x)" in at
    assert "5.0e-05, below the noise level:" in claims.conclusion(fits(3.0e-5), D2L, noise=0.01)
    assert "5.0e-05, above the noise level:" in claims.conclusion(fits(2.0e-4), D2L, noise=0.01)
    assert "noise^2/2" not in claims.conclusion(fits(5e-5), D2L)


def test_the_parameter_error_is_below_or_above_d2ls_bound():
    assert claims.conclusion(fits(5e-5), D2L).endswith(
        "Every method recovers w and b to within 2.0e-04 (largest error: concise), below d2l's 1e-3.")
    assert claims.conclusion(fits(5e-5, errors=(1e-4, 2e-3, 0)), D2L).endswith("**above d2l's 1e-3**.")


def test_overview_rows_agree_within_a_factor_two_of_d2l():
    rows = claims.overview_rows(fits(6e-5), D2L)
    assert [r[3] for r in rows] == ["yes", "yes"]
    rows = claims.overview_rows(fits(2e-4, errors=(1e-4, 2e-3, 0)), D2L)
    assert [r[3] for r in rows] == ["no", "no"] and rows[0][4] == "unexplained: more than a factor 2 from d2l's"
