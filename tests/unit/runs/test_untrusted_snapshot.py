"""A snapshot is someone else's files: crafted ones are refused, at parse time, without reading outside the folder."""

import json
import os
import threading
import time
from pathlib import Path

import jsonschema
import pytest
from initlab.runs import snapshot, untrusted

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


def refused_without_blocking(fifo, read, *args):
    """The SnapshotError `read(*args)` raises for `fifo`, asserting it came within 10 s: a reader that waited
    for a writer is unblocked (so the test run can end) and fails the test."""
    done = []
    worker = threading.Thread(target=lambda: done.append(pytest.raises(untrusted.SnapshotError, read, *args)))
    worker.start()
    worker.join(timeout=10)
    blocked = worker.is_alive()
    if blocked:
        with open(fifo, "w"):
            pass
        worker.join()
    assert not blocked and done
    return done[0].value


def test_a_fifo_in_place_of_a_table_neither_hangs_nor_is_read(kept):
    table = kept / "tables/house_prices/cv_summary.csv"
    table.unlink()
    os.mkfifo(table)
    error = refused_without_blocking(table, snapshot.read, kept)
    assert "cv_summary.csv is not a regular file" in str(error)


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


def refused_exactly(folder, message):
    """snapshot.read refuses `folder` with exactly `message`."""
    with pytest.raises(snapshot.SnapshotError) as error:
        snapshot.read(folder)
    assert str(error.value) == message


@pytest.mark.parametrize("name", ["../x", "/etc/passwd", "tables/../../x", "", ".", None, 5])
def test_locate_refuses_a_name_leaving_the_folder(tmp_path, name):
    with pytest.raises(untrusted.SnapshotError) as error:
        untrusted.locate(tmp_path, name)
    assert str(error.value) == (f"{tmp_path}: the path {name!r} leaves the snapshot folder: expected a relative path "
                                "inside it, without '..'")


def test_locate_finds_regular_files_and_refuses_links_and_folders(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a/b.csv").write_text("x")
    (tmp_path / "link.csv").symlink_to(tmp_path / "a/b.csv")
    assert untrusted.locate(tmp_path, "a/b.csv") == tmp_path / "a/b.csv"
    assert untrusted.locate(tmp_path, "a/c.csv") is None and untrusted.locate(tmp_path, "z/c.csv") is None
    with pytest.raises(untrusted.SnapshotError) as error:
        untrusted.locate(tmp_path, "link.csv")
    assert str(error.value) == (f"{tmp_path}/link.csv is a symlink: expected a regular file or folder inside the "
                                "snapshot (a snapshot never holds links; a crafted one could name any file of yours)")
    with pytest.raises(untrusted.SnapshotError, match=rf"^{tmp_path}/a is not a regular file: expected one written "
                                                      "by keep_run$"):
        untrusted.locate(tmp_path, "a")


def test_read_bytes_follows_no_symlink_and_keeps_its_cap(tmp_path):
    (tmp_path / "f").write_bytes(b"12345")
    assert untrusted.read_bytes(tmp_path / "f", 5) == b"12345"  # exactly the cap: read whole
    with pytest.raises(untrusted.SnapshotError, match=r"f is larger than 4 bytes: expected a small file"):
        untrusted.read_bytes(tmp_path / "f", 4)
    (tmp_path / "link").symlink_to(tmp_path / "f")  # a symlink swapped in after locate checked the name
    with pytest.raises(untrusted.SnapshotError) as error:
        untrusted.read_bytes(tmp_path / "link", 5)
    assert str(error.value) == f"{tmp_path}/link cannot be opened (Too many levels of symbolic links): expected a " \
                               "regular file"
    with open(tmp_path / "huge", "wb") as f:  # a sparse terabyte: refused after reading cap + 1 bytes, not whole
        f.truncate(1 << 40)
    with pytest.raises(untrusted.SnapshotError, match=r"huge is larger than 10 bytes"):
        untrusted.read_bytes(tmp_path / "huge", 10)


def test_read_bytes_opens_a_fifo_without_blocking_and_refuses_it(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)  # swapped in after locate checked the name: opening it must not wait for a writer
    error = refused_without_blocking(fifo, untrusted.read_bytes, fifo, 5)
    assert str(error) == f"{fifo} is not a regular file: expected one written by keep_run"


def test_text_that_is_not_utf8_is_named(kept):
    (kept / "config.yaml").write_bytes(b"a: \xff\n")
    refused_exactly(kept, f"{kept}/config.yaml is not UTF-8 text (invalid start byte at byte 3)")


def test_an_alias_in_the_config_is_refused_with_the_whole_message_kept_short(kept):
    anchor = "a" * 400
    (kept / "config.yaml").write_text(f"x: &{anchor} 1\ny: *{anchor}\n")
    with pytest.raises(snapshot.SnapshotError) as error:
        snapshot.read(kept)
    said = str(error.value)
    assert said.startswith(f"{kept}/config.yaml is not a plain YAML config (an alias (*aaa")
    assert said.endswith("): expected the mapping keep_run writes, without aliases")
    assert len(said) == len(f"{kept}/config.yaml is not a plain YAML config (") + 300 + len(
        "): expected the mapping keep_run writes, without aliases")


def test_yaml_anchors_without_aliases_and_nested_config_load(kept):
    (kept / "config.yaml").write_text("a: &x 1\nb:\n  c: [1, 2]\n")
    assert snapshot.read(kept)["config"] == {"a": 1, "b": {"c": [1, 2]}}


def test_a_bad_json_table_names_what_was_expected(kept):
    (kept / "tables/search/summary.json").write_text('{"valid_log_rmse": "low"}')
    refused_exactly(kept, f"{kept}/tables/search/summary.json: at valid_log_rmse, 'low' is not of type 'number', "
                          "'null': expected the study's summary object")


def test_a_long_schema_message_is_cut_at_200_characters(kept):
    edit_marker(kept, **{"x" * 300: 1})
    with pytest.raises(snapshot.SnapshotError) as error:
        snapshot.read(kept)
    said = str(error.value)
    start = said.index("at top level, ") + len("at top level, ")
    assert said[start:].startswith("Additional properties") and len(said[start:].split(": expected")[0]) == 200


def test_csv_tables_check_every_row_cell_kind_and_empty_numbers(kept):
    table = kept / "tables/initializers/summary.csv"
    table.write_text("initializer,seed,valid_accuracy,test_accuracy,diverged\n"
                     "normal,0,0.8,,True\nzeros,1,nan,0.1,False\n")
    assert snapshot.read(kept)["tables"]["initializers/summary.csv"] == table  # empty, NaN and True pass
    table.write_text("initializer,seed,valid_accuracy,test_accuracy,diverged\n")
    snapshot.read(kept)  # a header without rows passes
    table.write_text("initializer,seed,valid_accuracy,test_accuracy,diverged\nnormal,0,0.8,0.8,True\nzeros,1\n")
    refused_exactly(kept, f"{table}, line 3, column 'diverged': 'None' is not a bool: expected True or False values")
    long = "9" * 30 + "x" * 30
    table.write_text(f"initializer,seed,valid_accuracy,test_accuracy,diverged\nnormal,0,{long},0.8,True\n")
    refused_exactly(kept, f"{table}, line 2, column 'valid_accuracy': {long[:40]!r} is not a number: expected number "
                          "values")


GOOD_MARKER = {"layout": 1, "name": "n", "code": {"commit": "abc1234", "dirty": False},
               "tables": ["search/summary.json"], "curves": ["optimizers"]}


@pytest.mark.parametrize("bad", [
    [], {k: v for k, v in GOOD_MARKER.items() if k != "name"}, {**GOOD_MARKER, "extra": 1},
    {**GOOD_MARKER, "layout": 2}, {**GOOD_MARKER, "name": 5}, {**GOOD_MARKER, "name": "n" * 256},
    {**GOOD_MARKER, "code": "abc1234"}, {**GOOD_MARKER, "code": {"dirty": False}},
    {**GOOD_MARKER, "code": {"commit": "abc1234", "dirty": False, "extra": 1}},
    {**GOOD_MARKER, "code": {"commit": 1234567, "dirty": False}},
    {**GOOD_MARKER, "code": {"commit": "abc123", "dirty": False}},
    {**GOOD_MARKER, "code": {"commit": "ABC1234", "dirty": False}},
    {**GOOD_MARKER, "code": {"commit": "abc1234", "dirty": 0}},
    {**GOOD_MARKER, "tables": "search/summary.json"}, {**GOOD_MARKER, "tables": ["search/summary.json"] * 2},
    {**GOOD_MARKER, "tables": ["x.csv"]}, {**GOOD_MARKER, "curves": "optimizers"},
    {**GOOD_MARKER, "curves": ["optimizers"] * 2}, {**GOOD_MARKER, "curves": ["x"]},
])
def test_the_marker_schema_refuses_each_kind_of_wrong_field(bad):
    schema = untrusted.marker_schema(1, snapshot.TABLES, snapshot.RUNS)
    assert jsonschema.Draft202012Validator(schema).is_valid(GOOD_MARKER)
    assert jsonschema.Draft202012Validator(schema).is_valid({**GOOD_MARKER, "code": None, "name": "n" * 255})
    assert not jsonschema.Draft202012Validator(schema).is_valid(bad)


@pytest.mark.parametrize("bad", [{}, [1], [{"optimizer": "sgd"}],
                                 [{**dict.fromkeys(untrusted.CURVE_FIELDS["optimizers"]), "epoch_losses": ["x"]}]])
def test_the_curves_schema_refuses_what_is_no_list_of_runs(bad):
    schema = untrusted.curves_schema("optimizers")
    assert jsonschema.Draft202012Validator(schema).is_valid([dict.fromkeys(untrusted.CURVE_FIELDS["optimizers"])])
    assert not jsonschema.Draft202012Validator(schema).is_valid(bad)


def test_csv_tables_with_carriage_returns_and_oversized_cells(kept):
    table = kept / "tables/linear_regression/summary.csv"
    table.write_bytes(b"method,final_loss,w_error,b_error\rscratch,5e-5,1e-4,2e-4\r")  # old Mac line ends
    snapshot.read(kept)
    table.write_bytes(b'method,final_loss,w_error,b_error\r\nscratch,"1\r\nx",1e-4,2e-4\r\n')
    refused_exactly(kept, f"{table}, line 2, column 'final_loss': '1\\r\\nx' is not a number: expected number values")
    table.write_text("method,final_loss,w_error,b_error\nscratch," + "1" * 200_000 + ",1e-4,2e-4\n")
    refused_exactly(kept, f"{table} is not a valid CSV table (field larger than field limit (131072))")
