"""Submission validator, candidate choice and the Kaggle CLI hand-off (with a stand-in `kaggle`)."""

import json
import os
import stat

import numpy as np
import pandas as pd
import pytest
from initlab.studies.house_prices import submission

IDS = list(range(1461, 2920))


def write(tmp_path, lines, name="submission.csv"):
    path = tmp_path / name
    path.write_text("".join(line + "\n" for line in lines))
    return path


def good_lines():
    return ["Id,SalePrice"] + [f"{i},{150000 + i}.5" for i in IDS]


def test_a_well_formed_file_passes(tmp_path):
    assert submission.validate(write(tmp_path, good_lines())) == 1459


def test_build_writes_a_valid_file(tmp_path):
    path = tmp_path / "s.csv"
    submission.build(np.array(IDS), np.full(len(IDS), 1.8e5)).to_csv(path, index=False)
    assert submission.validate(path) == 1459


def replaced(row, text):
    lines = good_lines()
    lines[row] = text
    return lines


MALFORMED = {
    "empty": ([], "empty file"),
    "header case": (["id,SalePrice"] + good_lines()[1:], "header is 'id,SalePrice'; expected exactly 'Id,SalePrice'"),
    "extra column": (["Id,SalePrice,x"] + good_lines()[1:], "header is"),
    "missing row": (good_lines()[:-1], "1458 data rows; expected 1459"),
    "extra row": (good_lines() + ["2920,1"], "1460 data rows; expected 1459"),
    "duplicate id": (replaced(2, "1461,100"), "line 3: Id 1461 appears more than once"),
    "id out of range": (replaced(5, "1460,100"), "line 6: Id 1460 is not a test Id"),
    "non-numeric price": (replaced(7, "1467,cheap"), "line 8: .* not an integer Id and a number"),
    "nan price": (replaced(7, "1467,nan"), "line 8: SalePrice 'nan' for Id 1467; expected a finite positive"),
    "infinite price": (replaced(7, "1467,inf"), "SalePrice 'inf'"),
    "negative price": (replaced(7, "1467,-5"), "SalePrice '-5'"),
    "zero price": (replaced(7, "1467,0"), "SalePrice '0'"),
    "short row": (replaced(9, "1469"), "line 10: 1 fields"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_each_malformed_case_is_rejected_with_a_clear_message(tmp_path, case):
    lines, message = MALFORMED[case]
    path = write(tmp_path, lines)
    with pytest.raises(submission.SubmissionError, match=message) as error:
        submission.validate(path)
    assert str(path) in str(error.value)


def means_table():
    return pd.DataFrame({
        "model": ["linear", "linear", "mlp", "mlp"],
        "initializer": ["default", "ones", "default", "zeros"],
        "valid_mean": [0.17, np.nan, 0.16, 0.15],
        "valid_std": [0.01, np.nan, 0.02, 0.01],
        "folds": [5, 5, 5, 5],
        "hidden_units": [0, 0, 64, 64],
        "diverged": [False, True, False, False],
        "final_diverged": [False, False, False, True],
    })


def test_best_skips_diverged_candidates():
    for rule in ("best", "lowest"):
        row = submission.choose(means_table(), rule)  # mlp/zeros scores best but its final fit diverged
        assert (row["model"], row["initializer"]) == ("mlp", "default")


def candidates(means, stds, units, initializers):
    n = len(means)
    return pd.DataFrame({"model": [f"m{u}" for u in units], "initializer": initializers, "valid_mean": means,
                         "valid_std": stds, "folds": [4] * n, "hidden_units": units, "diverged": [False] * n,
                         "final_diverged": [False] * n})


def picked(table, rule):
    row = submission.choose(table, rule)
    return row["hidden_units"], row["initializer"]


def test_best_is_the_simplest_candidate_within_one_standard_error_of_the_lowest():
    # lowest 0.158 with std 0.016 over 4 folds: standard error 0.008, so up to 0.166 counts as as good
    table = candidates([0.158, 0.164, 0.1655, 0.170], [0.016, 0.013, 0.026, 0.015], [64, 64, 64, 0],
                       ["normal", "kaiming_uniform", "default", "default"])
    assert picked(table, "lowest") == (64, "normal")
    assert picked(table, "best") == (64, "default")  # the linear model (0.170) is outside: the default init wins
    table.loc[3, "valid_mean"] = 0.1659  # now inside: no hidden units is simpler still
    assert picked(table, "best") == (0, "default")
    # a rerun whose noise swaps the two best MLPs (and the linear model back outside) picks the same candidate
    swapped = table.assign(valid_mean=[0.164, 0.158, 0.1655, 0.170], valid_std=[0.013, 0.016, 0.026, 0.015])
    assert picked(swapped, "lowest") == (64, "kaiming_uniform") and picked(swapped, "best") == (64, "default")


def test_best_among_equally_simple_candidates_takes_the_lower_mean_and_never_one_outside_the_error():
    table = candidates([0.150, 0.152, 0.200], [0.004, 0.010, 0.010], [8, 8, 0], ["normal", "ones", "default"])
    assert picked(table, "best") == (8, "normal")  # 0.152 > 0.150 + 0.002; linear far outside
    table.loc[1, "valid_mean"] = 0.151
    assert picked(table, "best") == (8, "normal")  # both inside and equally simple: the lower mean
    single = candidates([0.15], [float("nan")], [0], ["zeros"]).assign(folds=1)  # no spread: the lowest
    assert picked(single, "best") == (0, "zeros")


def test_a_diverged_candidate_is_never_chosen():
    table = means_table()
    table.loc[1, "valid_mean"] = 0.01  # partly diverged: some folds still give a (tempting) mean
    assert submission.choose(table, "best")["initializer"] != "ones"
    with pytest.raises(submission.SubmissionError, match="linear ones diverged"):
        submission.choose(table, {"model": "linear", "initializer": "ones"})
    all_diverged = table.assign(diverged=True)
    with pytest.raises(submission.SubmissionError, match="every candidate diverged"):
        submission.choose(all_diverged, "best")
    with pytest.raises(submission.SubmissionError, match="submission: lowest: every candidate diverged"):
        submission.choose(all_diverged, "lowest")


def test_configured_choice_is_honoured_even_when_not_best():
    row = submission.choose(means_table(), {"model": "linear", "initializer": "default"})
    assert row["valid_mean"] == 0.17


def fake_kaggle(bin_dir, record, rc=0):
    """A `kaggle` executable that records its argv as JSON and exits with `rc`."""
    bin_dir.mkdir(exist_ok=True)
    exe = bin_dir / "kaggle"
    exe.write_text(f"#!/bin/sh\nprintf '%s\\n' \"$@\" > {record}\necho 'Successfully submitted'\nexit {rc}\n")
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    return exe


def test_submit_calls_the_official_cli(tmp_path):
    path = write(tmp_path, good_lines())
    record = tmp_path / "argv.txt"
    fake_kaggle(tmp_path / "bin", record)
    env = {"PATH": f"{tmp_path / 'bin'}{os.pathsep}/usr/bin:/bin", "KAGGLE_USERNAME": "me", "KAGGLE_KEY": "k"}
    out = submission.submit(path, submission.message("linear", "default", 0.17034), environ=env, home=tmp_path)
    assert "Successfully" in out
    assert record.read_text().splitlines() == [
        "competitions", "submit", "-c", "house-prices-advanced-regression-techniques",
        "-f", str(path), "-m", "linear default CV 0.1703"]


def test_submit_without_cli_or_credentials_fails_clearly(tmp_path):
    path = write(tmp_path, good_lines())
    with pytest.raises(submission.SubmissionError, match="`kaggle` command is not on PATH"):
        submission.submit(path, "m", environ={"PATH": str(tmp_path / "nowhere")}, home=tmp_path)
    fake_kaggle(tmp_path / "bin", tmp_path / "argv.txt")
    env = {"PATH": str(tmp_path / "bin")}
    with pytest.raises(submission.SubmissionError, match="no Kaggle credentials.*kaggle.json.*KAGGLE_USERNAME"):
        submission.submit(path, "m", environ=env, home=tmp_path)
    (tmp_path / ".kaggle").mkdir()
    (tmp_path / ".kaggle" / "kaggle.json").write_text(json.dumps({"username": "me", "key": "k"}))
    submission.submit(path, "m", environ=env, home=tmp_path)  # the token file is enough


def test_a_failing_cli_is_reported(tmp_path):
    path = write(tmp_path, good_lines())
    fake_kaggle(tmp_path / "bin", tmp_path / "argv.txt", rc=1)
    env = {"PATH": str(tmp_path / "bin"), "KAGGLE_USERNAME": "me", "KAGGLE_KEY": "k"}
    with pytest.raises(submission.SubmissionError, match=r"failed \(1\)"):
        submission.submit(path, "m", environ=env, home=tmp_path)


def test_an_invalid_file_is_never_handed_to_kaggle(tmp_path):
    path = write(tmp_path, good_lines()[:-1])
    record = tmp_path / "argv.txt"
    fake_kaggle(tmp_path / "bin", record)
    env = {"PATH": str(tmp_path / "bin"), "KAGGLE_USERNAME": "me", "KAGGLE_KEY": "k"}
    with pytest.raises(submission.SubmissionError, match="data rows"):
        submission.submit(path, "m", environ=env, home=tmp_path)
    assert not record.exists()


def test_an_unknown_rule_name_is_refused():
    with pytest.raises(submission.SubmissionError, match="'cheapest': expected one of best, lowest"):
        submission.choose(means_table(), "cheapest")


# ---- found by mutation testing (docs/development.md): edges the tests above left open ----

def test_two_folds_use_the_standard_error_and_one_fold_none():
    """folds = 2 is the first count with a spread (std / sqrt(2)); a single fold adds no margin at all."""
    table = candidates([0.150, 0.156, 0.158], [0.012, 0.01, 0.01], [8, 0, 0], ["normal", "default", "zeros"])
    two = table.assign(folds=2)  # standard error 0.012 / sqrt(2) = 0.0085: 0.156 and 0.158 are inside
    assert picked(two, "best") == (0, "default")
    one = table.assign(folds=1, valid_std=0.0)  # no margin: only the lowest mean itself qualifies
    assert picked(one, "best") == (8, "normal")


def test_a_chosen_pair_whose_final_fit_diverged_is_refused_and_an_unknown_pair_named():
    with pytest.raises(submission.SubmissionError, match="^submission: mlp zeros diverged; choose another "
                                                         "candidate, `best` or `lowest`$"):
        submission.choose(means_table(), {"model": "mlp", "initializer": "zeros"})
    with pytest.raises(submission.SubmissionError, match=r"^submission: \{'model': 'mlp', 'initializer': 'ones'\} "
                                                         "is not among the trained candidates$"):
        submission.choose(means_table(), {"model": "mlp", "initializer": "ones"})
    with pytest.raises(submission.SubmissionError, match=r"or a \{model, initializer\} pair$"):
        submission.choose(means_table(), "cheapest")


def test_a_price_below_one_dollar_is_still_a_positive_price(tmp_path):
    lines = good_lines()
    lines[1] = "1461,0.5"
    assert submission.validate(write(tmp_path, lines)) == len(IDS)
    lines[1] = "1461,0"
    with pytest.raises(submission.SubmissionError, match="line 2: SalePrice '0' for Id 1461"):
        submission.validate(write(tmp_path, lines))


def test_an_empty_file_names_the_header_it_expected(tmp_path):
    with pytest.raises(submission.SubmissionError, match="empty file; expected the header Id,SalePrice$"):
        submission.validate(write(tmp_path, []))


def test_search_candidate_is_a_row_of_the_candidates_table():
    fit = {"trial": "fine003", "cv_valid_log_rmse": 0.131, "cv_valid_std": 0.012, "train_log_rmse": 0.09,
           "diverged": 0, "hidden": 64}
    row = submission.search_candidate(fit, folds=5, hidden_units=64)
    assert row == {"model": "search", "initializer": "fine003", "valid_mean": 0.131, "valid_std": 0.012, "folds": 5,
                   "hidden_units": 64, "diverged": False, "final_diverged": False, "final_train_log_rmse": 0.09}
    assert submission.search_candidate({**fit, "diverged": 1}, folds=5, hidden_units=64)["final_diverged"] is True
    table = pd.concat([means_table(), pd.DataFrame([row])], ignore_index=True)
    assert submission.choose(table, "lowest")["initializer"] == "fine003"


def test_credentials_need_both_variables_or_the_token_in_kaggle_config_dir(tmp_path, monkeypatch):
    path = write(tmp_path, good_lines())
    fake_kaggle(tmp_path / "bin", tmp_path / "argv.txt")
    env = {"PATH": str(tmp_path / "bin"), "KAGGLE_USERNAME": "me"}  # no key: not enough
    with pytest.raises(submission.SubmissionError, match="^submit_kaggle: no Kaggle credentials: put your API token "
                                                         f"in {tmp_path / '.kaggle' / 'kaggle.json'} or set "
                                                         "KAGGLE_USERNAME and KAGGLE_KEY$"):
        submission.submit(path, "m", environ=env, home=tmp_path)
    elsewhere = tmp_path / "config"
    elsewhere.mkdir()
    (elsewhere / "kaggle.json").write_text("{}")
    submission.submit(path, "m", environ={**env, "KAGGLE_CONFIG_DIR": str(elsewhere)}, home=tmp_path)
    # environ=None reads the process environment
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))
    with pytest.raises(submission.SubmissionError, match="^submit_kaggle: the `kaggle` command is not on PATH; "
                                                         "install it with `pip install kaggle`$"):
        submission.check_kaggle_ready(home=tmp_path)


def test_the_cli_runs_with_the_given_environment_and_its_error_is_reported(tmp_path):
    path = write(tmp_path, good_lines())
    exe = tmp_path / "bin" / "kaggle"
    exe.parent.mkdir()
    exe.write_text("#!/bin/sh\necho \"user $KAGGLE_USERNAME\"\necho 'bad token' >&2\nexit 3\n")
    exe.chmod(0o755)
    env = {"PATH": str(exe.parent), "KAGGLE_USERNAME": "given_user", "KAGGLE_KEY": "k"}
    with pytest.raises(submission.SubmissionError) as error:
        submission.submit(path, "m", environ=env, home=tmp_path)
    assert str(error.value) == (f"submit_kaggle: `{exe} competitions submit -c {submission.COMPETITION} -f {path} "
                                "-m m` failed (3): bad token")
    exe.write_text("#!/bin/sh\necho \"user $KAGGLE_USERNAME\"\n")
    assert submission.submit(path, "m", environ=env, home=tmp_path) == "user given_user\n"
