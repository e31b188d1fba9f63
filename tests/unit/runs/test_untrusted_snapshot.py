"""A snapshot is someone else's files: crafted ones are refused, at parse time, without reading outside the folder."""

import json
import os
import threading
import time
from pathlib import Path

import pytest
from initlab.runs import snapshot

from .conftest import CONFIG

CODE = {"commit": "a" * 40, "dirty": False}
SECRET = "aws_secret_access_key = wJalrXUtnFEMI-not-a-real-key"
RUNS_SMK = Path(__file__).parents[3] / "workflow/rules/functions/runs.smk"


@pytest.fixture
def kept(results, tmp_path):
    return snapshot.keep(results=results, config=CONFIG, code=CODE, name="shared", destination=tmp_path / "snapshots")


@pytest.fixture
def secret(tmp_path):
    path = tmp_path / "home/.aws/credentials"
    path.parent.mkdir(parents=True)
    path.write_text(f"[default]\n{SECRET}\n")
    return path


def parse_time(baseline):
    """runs.smk's input function for compare_runs' baseline, as Snakemake calls it while parsing the workflow."""
    namespace = {"config": {"baseline": str(baseline), "current": None}}
    exec(compile(RUNS_SMK.read_text(), str(RUNS_SMK), "exec"), namespace)
    return namespace["baseline_files"](None)


def refused(folder, match):
    """Both the reader and the parse-time input function refuse `folder` with a message matching `match`."""
    with pytest.raises(snapshot.SnapshotError, match=match) as read_error:
        snapshot.read(folder)
    with pytest.raises(snapshot.SnapshotError, match=match):
        parse_time(folder)
    return str(read_error.value)


def edit_marker(folder, **changes):
    info = json.loads((folder / "snapshot.json").read_text())
    (folder / "snapshot.json").write_text(json.dumps({**info, **changes}))


def test_a_valid_snapshot_passes_at_parse_time(kept):
    files = parse_time(kept)
    assert kept / "snapshot.json" in files and kept / "config.yaml" in files
    assert kept / "tables/house_prices/cv_summary.csv" in files and kept / "curves/optimizers.json" in files


def test_a_symlinked_config_to_a_secret_file_is_refused_and_the_secret_shown_nowhere(kept, secret):
    (kept / "config.yaml").unlink()
    (kept / "config.yaml").symlink_to(secret)
    said = refused(kept, rf"{kept}/config.yaml is a symlink: expected a regular file")
    assert "wJalrXUtnFEMI" not in said and str(secret) not in said


def test_a_symlinked_tables_folder_is_refused(kept, tmp_path):
    (kept / "tables").rename(tmp_path / "elsewhere")
    (kept / "tables").symlink_to(tmp_path / "elsewhere")
    refused(kept, rf"{kept}/tables is a symlink")


@pytest.mark.parametrize("name", ["../../x.csv", "/etc/passwd", "house_prices/../../../x.csv", "notes/anything.csv"])
def test_a_table_path_outside_the_known_names_is_refused(kept, tmp_path, name):
    for outside in (tmp_path / "x.csv", kept.parent / "x.csv"):  # where the names lead: formerly read
        outside.write_text("model,initializer,valid_log_rmse\nx,y,0.1\n")
    edit_marker(kept, tables=[*json.loads((kept / "snapshot.json").read_text())["tables"], name])
    said = refused(kept, rf"{kept}/snapshot.json: at tables/\d+, '{name}' is not one of ")
    assert "expected the fields keep_run writes" in said


def test_an_unknown_curve_or_field_in_the_marker_is_refused(kept):
    edit_marker(kept, curves=["house_prices", "../../etc"])
    refused(kept, r"snapshot.json: at curves/1, '../../etc' is not one of \['house_prices', 'initializers'")
    edit_marker(kept, curves=["house_prices"], extra="x")
    refused(kept, r"snapshot.json: at top level, Additional properties are not allowed \('extra' was unexpected\)")


def test_a_yaml_alias_bomb_is_refused_fast(kept):
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"{c}: &{c} [{','.join([f'*{p}'] * 9)}]" for p, c in zip("abcdefgh", "bcdefghi")]
    (kept / "config.yaml").write_text("\n".join(lines) + "\n")  # 9**9 strings once expanded
    assert len((kept / "config.yaml").read_bytes()) < 700
    start = time.process_time()
    refused(kept, rf"{kept}/config.yaml is not a plain YAML config \(an alias \(\*a\) at line 2, column 8: "
                  "aliases are refused")
    assert time.process_time() - start < 1.0


def test_a_file_over_its_cap_is_refused(kept, monkeypatch):
    from initlab.runs import untrusted

    monkeypatch.setitem(untrusted.MAX_BYTES, "config.yaml", 100)
    (kept / "config.yaml").write_text("padding: " + "x" * 200 + "\n")
    refused(kept, rf"{kept}/config.yaml is larger than 100 bytes")


def test_a_fifo_in_place_of_a_table_neither_hangs_nor_is_read(kept):
    table = kept / "tables/house_prices/cv_summary.csv"
    table.unlink()
    os.mkfifo(table)
    done = []
    worker = threading.Thread(target=lambda: done.append(pytest.raises(snapshot.SnapshotError, snapshot.read, kept)))
    worker.start()
    worker.join(timeout=10)
    if worker.is_alive():  # unblock the reader so the test run can end
        with open(table, "w"):
            pass
        worker.join()
    assert done and "cv_summary.csv is not a regular file" in str(done[0].value)


@pytest.mark.parametrize("table, content, match", [
    ("house_prices/cv_summary.csv", "model,initializer,fold\nlinear,default,1\n",
     r"house_prices/cv_summary.csv has no column 'valid_log_rmse': expected columns \['model', 'initializer', "),
    ("initializers/summary.csv", "initializer,seed,valid_accuracy,test_accuracy,diverged\nnormal,0,0.8,0.8,maybe\n",
     r"initializers/summary.csv, line 2, column 'diverged': 'maybe' is not a bool: expected True or False values"),
    ("linear_regression/summary.csv", "method,final_loss,w_error,b_error\nscratch,5e-5,abc,1e-4\n",
     r"linear_regression/summary.csv, line 2, column 'w_error': 'abc' is not a number"),
    ("search/summary.json", '{"valid_log_rmse": "low"}',
     r"search/summary.json: at valid_log_rmse, 'low' is not of type 'number', 'null'"),
    ("search/summary.json", '[' * 100000, r"search/summary.json is not valid JSON"),
])
def test_wrong_types_or_missing_columns_name_the_file_and_column(kept, table, content, match):
    (kept / "tables" / table).write_text(content)
    refused(kept, rf"{kept}/tables/{match}")


def test_curves_with_wrong_types_name_the_file_and_field(kept):
    path = kept / "curves/house_prices.json"
    records = json.loads(path.read_text())
    records[1]["fold"] = "one"
    path.write_text(json.dumps(records))
    refused(kept, rf"{path}: at 1/fold, 'one' is not of type 'integer', 'null': expected a list of house_prices runs")
    del records[1]["fold"]
    path.write_text(json.dumps(records))
    refused(kept, rf"{path}: at 1, 'fold' is a required property")


def test_a_config_that_is_no_mapping_is_refused(kept):
    (kept / "config.yaml").write_text("- just\n- a list\n")
    refused(kept, rf"{kept}/config.yaml holds a list: expected a mapping of config keys")
