import json

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
