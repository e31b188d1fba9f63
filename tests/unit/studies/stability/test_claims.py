"""initlab.studies.stability.claims: depth verdicts judge forward, backward and saturation; each sentence flips."""

import pandas as pd
from initlab.studies.stability import claims
from initlab.studies.stability.summary import verdict


def depth(rows):
    """rows: (initializer, activation, forward_ratio, backward_ratio, saturated fraction)."""
    frame = pd.DataFrame(rows, columns=["initializer", "activation", "forward_ratio", "backward_ratio",
                                        "last_saturated_fraction"])
    return frame.assign(depth=50, forward=frame.forward_ratio.map(verdict), backward=frame.backward_ratio.map(verdict))


ROWS = [("kaiming_normal", "relu", 0.26, 0.5, 0.0), ("kaiming_normal", "sigmoid", 0.9, 1e-60, 0.1),
        ("standard_normal", "tanh", 1.2, 1e46, 0.87), ("standard_normal", "relu", 2e103, 3e100, 0.0)]


def test_a_pair_flat_forward_but_vanishing_backward_is_not_called_flat():
    text = claims.depth_conclusion(depth(ROWS))
    assert text.startswith("After 50 layers, 1 of 4 pairs keep both the forward signal and the gradient within a "
                           "factor 10 of the first layer's, with at most 50% (75% for relu, which zeroes half of "
                           "any symmetric input) of the last layer saturated: kaiming_normal+relu.")
    assert "**gradient vanishing** (kaiming_normal+sigmoid)" in text
    assert "**gradient exploding, 87% saturated** (standard_normal+tanh)" in text
    assert "**forward exploding, gradient exploding** (standard_normal+relu)" in text
    assert "The gradient variance ratios span 1.0e-60 to 3.0e+100 (160 decades)." in text
    matrix = claims.depth_matrix(depth(ROWS))
    assert matrix.loc["kaiming_normal", "relu"] == "flat"
    assert matrix.loc["kaiming_normal", "sigmoid"] == "gradient vanishing"
    assert matrix.loc["standard_normal", "tanh"] == "gradient exploding, 87% saturated"


def test_the_same_pairs_all_flat_read_flat():
    flat = [(i, a, 1.0, 1.0, 0.1) for i, a, *_ in ROWS]
    text = claims.depth_conclusion(depth(flat))
    assert text.startswith("After 50 layers, 4 of 4 pairs keep both") and "The others" not in text
    assert set(claims.depth_matrix(depth(flat)).stack()) == {"flat", ""}  # "": a pair not configured
    saturated = [(i, a, 1.0, 1.0, 0.8) for i, a, *_ in ROWS]  # above every bar, relu's 75% included
    assert claims.depth_conclusion(depth(saturated)).startswith("After 50 layers, 0 of 4 pairs")


def test_relu_is_saturated_only_beyond_the_half_it_zeroes_at_any_scale():
    """Half of a relu layer at zero is its healthy state (kaiming_uniform+relu at 52% read "52% saturated" and
    fell out of the flat pairs on noise); tanh at the same share is saturated."""
    rows = [("kaiming_uniform", "relu", 0.6, 0.8, 0.52), ("kaiming_normal", "relu", 0.3, 0.6, 0.6),
            ("standard_normal", "tanh", 1.0, 1.0, 0.6)]
    matrix = claims.depth_matrix(depth(rows))
    assert matrix.loc["kaiming_uniform", "relu"] == "flat" and matrix.loc["kaiming_normal", "relu"] == "flat"
    assert matrix.loc["standard_normal", "tanh"] == "60% saturated"
    assert "2 of 3 pairs" in claims.depth_conclusion(depth(rows))
    dead = claims.depth_matrix(depth([("kaiming_normal", "relu", 0.3, 0.6, 0.8)]))
    assert dead.loc["kaiming_normal", "relu"] == "80% saturated"
    assert claims.saturation_bar("relu") == 0.75 and claims.saturation_bar("tanh") == 0.5
    assert "(75% for relu" not in claims.depth_conclusion(depth(rows[2:]))


def test_matrix_product_is_placed_inside_or_decades_outside_the_published_range():
    inside = claims.matrix_product_sentence(3e25, (1e25, 1e26), count=100)
    assert "**3.0e+25**, inside that range" in inside
    below = claims.matrix_product_sentence(9.7e20, (1e25, 1e26), count=100)
    assert "**9.7e+20**, 4.0 decades below that range (d2l's run: entries around 1e25 to 1e26)" in below


def test_update_ratios_near_above_or_below_the_notes_value():
    medians = pd.Series({"default": 6.5e-3, "big": 2e-2, "standard_normal": 1.6e-4})
    assert claims.update_ratio_sentence(medians, 1e-3) == (
        "Median update/weight ratio per run: default 0.0065 (near 1e-3), big 0.02 (above 1e-3), "
        "standard_normal 1.6e-04 (near 1e-3).")
    assert "(below 1e-3)" in claims.update_ratio_sentence(pd.Series({"x": 5e-5}), 1e-3)


def test_overview_rows_explain_xavier_tanh_and_the_matrix_product_or_flag_them():
    demos = pd.Series({"matrix product max |entry| (100 x 4x4)": 9.7e20, "1.5**100": 4.066e17, "0.8**100": 2.5e-9,
                       "theory exp(rate * 100), rate 0.5580": 1.707e24})
    pairs = depth([("kaiming_normal", "relu", 0.26, 0.5, 0.0), ("xavier_uniform", "tanh", 0.017, 0.6, 0.0),
                   ("standard_normal", "relu", 2e103, 3e100, 0.0)])
    rows = {r[0]: r for r in claims.overview_rows(demos, pairs, matrix_key=demos.index[0],
                                                   published_range=(1e25, 1e26),
                                                   powers={"1.5**100": 4e17, "0.8**100": 2e-10})}
    product = rows["product of 100 random 4x4 matrices: largest entry"]
    assert product[3] == "no" and product[4].startswith(
        "ours lies 3.2 decades below and d2l's 1.3 decades above the typical growth exp(rate * 100) = 1.7e+24 (rate "
        "0.5580): one run's draws wander a few decades around it")
    far = claims.matrix_product_why(demos, 9.7e14, (1e25, 1e26))  # 9 decades below the typical growth
    assert far == "unexplained"
    assert claims.matrix_product_why(demos.drop("theory exp(rate * 100), rate 0.5580"), 9.7e20, (1e25, 1e26)) == \
        "unexplained"
    assert rows["1.5**100"][3] == "yes" and rows["0.8**100"][3:] == ("no", "unexplained")
    assert rows["kaiming_normal + relu: variance, last / first layer"][3] == "yes"
    assert rows["standard_normal + relu: variance, last / first layer"][3] == "yes"
    xavier = rows["xavier_uniform + tanh: variance, last / first layer"]
    assert xavier[3] == "no" and xavier[4] == claims.XAVIER_TANH_WHY
    collapsed = depth([("xavier_uniform", "tanh", 1e-9, 0.6, 0.0)])
    row = claims.overview_rows(demos, collapsed, matrix_key=None, published_range=(1e25, 1e26), powers={})[0]
    assert row[3:] == ("no", "unexplained")  # a geometric collapse is not the slow decay the reason explains


def scaled(rows):
    """rows: (initializer, activation, forward_ratio, backward_ratio, weight variance, bias variance)."""
    frame = depth([(i, a, f, b, 0.0) for i, a, f, b, *_ in rows])
    return frame.assign(hidden_weight_variance=[r[4] for r in rows], hidden_bias_variance=[r[5] for r in rows])


def test_lines_of_initializers_with_the_same_scale_coincide_or_part():
    same = [("normal", "relu", 2e-15, 1e-15, 0.0039, 0.0), ("xavier_uniform", "relu", 4e-16, 1.4e-15, 0.00391, 0.0),
            ("normal", "tanh", 0.024, 0.034, 0.0039, 0.0), ("xavier_uniform", "tanh", 0.017, 0.027, 0.00391, 0.0),
            ("kaiming_normal", "relu", 0.26, 0.59, 0.0078, 0.0), ("kaiming_normal", "tanh", 0.6, 110, 0.0078, 0.0),
            ("default", "relu", 0.005, 1e-38, 0.0013, 0.0014), ("default", "tanh", 0.0096, 2.7e-24, 0.0013, 0.0014),
            ("general_rule", "relu", 1e-39, 5e-39, 0.0013, 0.0), ("general_rule", "tanh", 4e-24, 3e-24, 0.0013, 0.0)]
    text = claims.coinciding_lines(scaled(same), width=256)
    assert text.startswith("Initializers whose square hidden layers draw weights and biases of the same variance: "
                           "normal, xavier_uniform (coincide: weight variance 0.0039 = 1/256, zero biases) (")
    assert "kaiming" not in text and "default" not in text  # alone at their scale: default's biases differ
    assert text.endswith("so the same variances trace the same curves whatever the distribution.")
    parting = [*same[:3], ("xavier_uniform", "tanh", 1e-5, 0.027, 0.00391, 0.0)]  # 3 decades apart under tanh
    text = claims.coinciding_lines(scaled(parting), width=256)
    assert "normal, xavier_uniform (part: weight variance" in text
    assert text.endswith("; normal, xavier_uniform part although their variances match, so there the "
                         "distribution's shape matters too.")
    assert claims.coinciding_lines(scaled([same[4], same[6]]), width=256) == ""
