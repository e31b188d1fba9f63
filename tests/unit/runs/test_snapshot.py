import json
import os
import shutil
import stat
import tempfile

import pytest
import yaml
from initlab.runs import snapshot

from .conftest import CONFIG

CODE = {"commit": "a" * 40, "dirty": False}


def keep(results, tmp_path, name="before", config=CONFIG):
    return snapshot.keep(results=results, config=config, code=CODE, name=name, destination=tmp_path / "snapshots")


def test_keep_writes_config_code_tables_and_curves_but_no_figures(results, tmp_path):
    folder = keep(results, tmp_path)
    assert folder == tmp_path / "snapshots" / "before"
    info = json.loads((folder / "snapshot.json").read_text())
    assert info["layout"] == snapshot.LAYOUT and info["code"] == CODE and info["name"] == "before"
    assert "house_prices/cv_summary.csv" in info["tables"] and "initializers/table.csv" not in info["tables"]
    assert (folder / "tables/house_prices/cv_summary.csv").read_bytes() == \
        (results / "house_prices/cv_summary.csv").read_bytes()
    config = yaml.safe_load((folder / "config.yaml").read_text())
    assert config["house_prices"]["lr"] == 5.0 and "snapshot" not in config and "baseline" not in config
    curves = json.loads((folder / "curves/optimizers.json").read_text())
    assert [c["seed"] for c in curves] == [0, 1] and "batch_losses" not in curves[0]  # per epoch only
    assert json.loads((folder / "curves/house_prices.json").read_text())[0]["valid_curve"] == [1.1, 0.15]
    assert not list(folder.rglob("*.png"))
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")]  # no temporary folder left


def test_read_gives_back_what_was_kept(results, tmp_path):
    run = snapshot.read(keep(results, tmp_path))
    assert run["code"] == CODE and run["config"]["house_prices"]["lr"] == 5.0
    assert set(run["tables"]) == set(snapshot.current(results=results, config=CONFIG, code=None)["tables"])
    assert set(run["curves"]) == {"house_prices", "initializers", "optimizers"}


def test_an_existing_snapshot_is_never_overwritten(results, tmp_path):
    folder = keep(results, tmp_path)
    before = (folder / "snapshot.json").read_bytes()
    with pytest.raises(snapshot.SnapshotError, match=r"snapshot .*before already exists"):
        keep(results, tmp_path)
    assert (folder / "snapshot.json").read_bytes() == before


def test_keeping_an_empty_results_folder_is_refused(tmp_path):
    with pytest.raises(snapshot.SnapshotError, match="holds none of the summary tables"):
        keep(tmp_path / "empty", tmp_path)
    assert not (tmp_path / "snapshots" / "before").exists()


def test_a_missing_path_is_named(tmp_path):
    with pytest.raises(snapshot.SnapshotError, match=rf"snapshot {tmp_path}/nowhere does not exist: expected a folder"):
        snapshot.read(tmp_path / "nowhere")


def test_a_folder_that_is_not_a_snapshot_is_named(results):
    with pytest.raises(snapshot.SnapshotError, match=rf"{results} is not a snapshot: expected .*snapshot.json"):
        snapshot.read(results)


def test_another_layout_is_refused(results, tmp_path):
    folder = keep(results, tmp_path)
    (folder / "snapshot.json").write_text(json.dumps({"layout": 99, "tables": [], "curves": []}))
    with pytest.raises(snapshot.SnapshotError, match=r"has snapshot layout 99; this checkout reads layout 1"):
        snapshot.read(folder)


def test_a_snapshot_missing_a_listed_file_is_incomplete(results, tmp_path):
    folder = keep(results, tmp_path)
    (folder / "tables/search/summary.json").unlink()
    with pytest.raises(snapshot.SnapshotError, match=r"incomplete: .*tables/search/summary.json"):
        snapshot.read(folder)


def test_code_version_outside_a_git_checkout_is_none(tmp_path):
    assert snapshot.code_version(tmp_path) is None


def test_code_version_of_a_git_checkout_has_commit_and_dirty_flag(tmp_path):
    import subprocess

    def git(*args):
        subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "a.txt").write_text("1")
    git("add", "a.txt")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "one")
    clean = snapshot.code_version(tmp_path)
    assert len(clean["commit"]) == 40 and clean["dirty"] is False
    (tmp_path / "config.yaml").write_text("lr: 5\n")
    git("add", "config.yaml")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "two")
    (tmp_path / "config.yaml").write_text("lr: 3\n")  # the config is compared key by key, not as code
    (tmp_path / "untracked.txt").write_text("new")
    clean = snapshot.code_version(tmp_path)
    assert clean["dirty"] is False
    (tmp_path / "a.txt").write_text("2")
    assert snapshot.code_version(tmp_path) == {"commit": clean["commit"], "dirty": True}


def test_only_the_runs_the_summary_tables_list_are_kept(results):
    # a grid point since removed from the config: its file is still in results/, its row is not in the summary
    stale = results / "house_prices/folds/linear/ones/fold1.json"
    stale.parent.mkdir(parents=True)
    stale.write_text(json.dumps({"model": "linear", "initializer": "ones", "fold": 1, "valid_curve": [9.0]}))
    files = snapshot.run_files(results)
    assert stale not in files["runs"]["house_prices"] and len(files["runs"]["house_prices"]) == 3
    assert {r["initializer"] for r in snapshot.curves(results)["house_prices"]} == {"default"}
    assert [p.name for p in files["runs"]["optimizers"]] == ["seed0.json", "seed1.json"]


def test_keep_writes_nan_losses_config_order_and_a_line_per_marker_field(results, tmp_path):
    # a diverged run's NaN loss is kept (json's NaN, read back as NaN); two tables in one folder
    run_file = results / "initializers/runs/normal/seed0.json"
    run_file.write_text(json.dumps({**json.loads(run_file.read_text()), "epoch_losses": [0.9, float("nan")]}))
    (results / "house_prices/cv_mean_std.csv").write_text("model,initializer,valid_log_rmse_mean\nlinear,default,.16\n")
    config = {"zeta": 1, "alpha": {"b": 2, "a": 3}, "snapshot": "x", "mid": [1, 2]}
    folder = keep(results, tmp_path / "deep/er", config=config)
    assert list(yaml.safe_load((folder / "config.yaml").read_text())) == ["zeta", "alpha", "mid"]
    assert list(yaml.safe_load((folder / "config.yaml").read_text())["alpha"]) == ["b", "a"]
    info = json.loads((folder / "snapshot.json").read_text())
    assert (folder / "snapshot.json").read_text() == json.dumps(info, indent=1) + "\n"
    assert (folder / "tables/house_prices/cv_mean_std.csv").read_bytes() == \
        (results / "house_prices/cv_mean_std.csv").read_bytes()
    losses = snapshot.read(folder)["curves"]["initializers"][0]["epoch_losses"]
    assert losses[0] == 0.9 and losses[1] != losses[1]


def test_snapshots_share_a_destination_and_its_mode_follows_the_umask(results, tmp_path):
    umask = os.umask(0o027)
    try:
        first, second = keep(results, tmp_path / "a/b", "one"), keep(results, tmp_path / "a/b", "two")
    finally:
        os.umask(umask)
    assert sorted(p.name for p in (tmp_path / "a/b/snapshots").iterdir()) == ["one", "two"]
    assert stat.S_IMODE(first.stat().st_mode) == stat.S_IMODE(second.stat().st_mode) == 0o750


def test_keep_writes_beside_the_target_not_in_the_system_temp_folder(results, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "no such folder"))  # the rename stays in one folder
    assert (keep(results, tmp_path) / "snapshot.json").is_file()


def test_a_failed_keep_leaves_neither_the_snapshot_nor_its_temporary_folder(results, tmp_path):
    (results / "optimizers/runs/sgd/none/seed1.json").write_text("{not json")
    with pytest.raises(json.JSONDecodeError):
        keep(results, tmp_path)
    assert list((tmp_path / "snapshots").iterdir()) == []


def test_a_snapshot_kept_without_a_code_version_reads_back_as_none(results, tmp_path):
    folder = snapshot.keep(results=results, config=CONFIG, code=None, name="n", destination=tmp_path)
    assert snapshot.read(folder)["code"] is None


def test_current_is_the_run_in_reads_form(results):
    run = snapshot.current(results=results, config=CONFIG, code=CODE)
    assert set(run) == {"config", "code", "tables", "curves"}
    assert run["config"] == {k: v for k, v in CONFIG.items() if k not in snapshot.RUN_KEYS} and run["code"] == CODE
    assert run["tables"]["search/summary.json"] == results / "search/summary.json"
    assert run["curves"] == snapshot.curves(results)


def test_a_missing_snapshot_says_how_to_keep_one(tmp_path):
    with pytest.raises(snapshot.SnapshotError) as error:
        snapshot.check(tmp_path / "nowhere")
    assert str(error.value) == (f"snapshot {tmp_path}/nowhere does not exist: expected a folder kept by "
                                "`snakemake --cores 1 keep_run --config snapshot=NAME` (resources/snapshots/NAME)")


@pytest.mark.parametrize("layout, shown", [([1, 2], "[1, 2]"), ("x" * 60, repr("x" * 60)[:40])])
def test_a_marker_of_another_layout_is_named_whatever_it_holds(results, tmp_path, layout, shown):
    folder = keep(results, tmp_path)
    marker = layout if isinstance(layout, list) else {"layout": layout}
    (folder / "snapshot.json").write_text(json.dumps(marker))
    with pytest.raises(snapshot.SnapshotError) as error:
        snapshot.check(folder)
    assert str(error.value) == (f"{folder} has snapshot layout {shown}; this checkout reads layout 1 only: keep the "
                                "run again with a matching checkout")


def test_a_marker_that_is_not_json_is_named(results, tmp_path):
    folder = keep(results, tmp_path)
    (folder / "snapshot.json").write_text("{")
    with pytest.raises(snapshot.SnapshotError, match=r"snapshot.json is not valid JSON \(Expecting property name "
                                                     r"enclosed in double quotes: line 1 column 2 \(char 1\)\): "
                                                     r"expected a snapshot marker$"):
        snapshot.check(folder)


def test_code_version_is_the_commit_git_reports(tmp_path):
    import subprocess

    subprocess.run(["git", "-C", str(tmp_path), "init", "-q"], check=True)
    (tmp_path / "a.txt").write_text("1")
    subprocess.run(["git", "-C", str(tmp_path), "add", "a.txt"], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "one"],
                   check=True)
    head = subprocess.run(["git", "-C", str(tmp_path), "rev-parse", "HEAD"], capture_output=True, text=True,
                          check=True).stdout.strip()
    assert snapshot.code_version(tmp_path) == {"commit": head, "dirty": False}
    assert isinstance(snapshot.code_version(tmp_path)["commit"], str)


def test_code_version_of_a_folder_inside_a_checkout_looks_at_that_folder_only(tmp_path):
    import subprocess

    def git(*args):
        return subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True, text=True).stdout

    (tmp_path / "workflow").mkdir()
    for name in "workflow/a.txt", "elsewhere.txt":
        (tmp_path / name).write_text("1")
    git("init", "-q")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "one")
    (tmp_path / "elsewhere.txt").write_text("2")  # outside the folder: not its code
    assert snapshot.code_version(tmp_path / "workflow") == {"commit": git("rev-parse", "HEAD").strip(), "dirty": False}
    (tmp_path / "workflow/a.txt").write_text("2")
    assert snapshot.code_version(tmp_path / "workflow")["dirty"] is True


def test_while_keeping_only_a_hidden_folder_named_after_the_snapshot_appears(results, tmp_path, monkeypatch):
    seen, copy = [], shutil.copyfile

    def spy(source, target):
        seen.append(sorted(p.name for p in (tmp_path / "snapshots").iterdir()))
        return copy(source, target)

    monkeypatch.setattr(shutil, "copyfile", spy)
    keep(results, tmp_path)
    assert seen and all(len(names) == 1 and names[0].startswith(".before.") for names in seen)
