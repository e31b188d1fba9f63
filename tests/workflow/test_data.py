"""The data stage run through snakemake in a scratch copy: outputs, rerun contract, refusals."""

import json

import numpy as np
import pytest


@pytest.fixture
def prepared(data_run):
    """The session's one real run of the data stage (tests/conftest.py), shared by the tests that read its
    outputs or dry-run an edit they revert."""
    return data_run


def test_data_stage_writes_verified_preprocessed_data(prepared):
    results = prepared.path / "results" / "data"
    house = np.load(results / "house_prices" / "features.npz")
    assert house["train_features"].shape == (1460, 331) and house["test_features"].shape == (1459, 331)
    assert house["test_ids"][0] == 1461 and house["test_ids"][-1] == 2919
    assert house["train_labels"].min() > 0
    splits = {name: np.load(results / "fashion_mnist" / f"{name}.npz") for name in ("train", "valid", "test")}
    assert {name: len(s["y"]) for name, s in splits.items()} == {"train": 48000, "valid": 12000, "test": 10000}
    assert 0.0 <= splits["train"]["x"].min() and splits["train"]["x"].max() == 1.0
    assert np.bincount(splits["test"]["y"]).tolist() == [1000] * 10  # Fashion-MNIST's balanced test set
    assert json.loads((results / "fashion_mnist" / "summary.json").read_text())["valid"] == 12000
    log = (prepared.path / "results/logs/fetch_file/train-images-idx3-ubyte.gz.log").read_text()
    assert "verified md5 8d4fb7e6c68d591d4c3dfef9ec88bf0d from resources/mirror" in log and "(100%)" in log


def test_nothing_reruns_when_nothing_changed(prepared):
    assert prepared.dry_run_jobs("data") == {}


def test_a_params_change_reruns_only_its_rule(prepared):
    config = prepared.config
    try:
        prepared.update_config(fashion_mnist={"split_seed": 7})
        assert prepared.dry_run_jobs("data") == {"prepare_fashion_mnist": 1, "data": 1}
    finally:
        prepared.set_config(config)


def test_a_module_edit_reruns_exactly_the_rules_that_import_it(prepared):
    module = prepared.path / "workflow" / "initlab" / "data" / "house.py"
    original = module.read_text()
    try:
        module.write_text(original + "\n# an edit\n")
        assert prepared.dry_run_jobs("data") == {"prepare_house_prices": 1, "data": 1}
    finally:
        module.write_text(original)


def test_corrupt_mirror_file_gives_a_clear_error_and_no_output(workflow_copy):
    mirror = workflow_copy.path / "resources" / "mirror" / "kaggle_house_pred_test.csv"
    data = bytearray(mirror.read_bytes())
    data[100] ^= 0xFF
    mirror.unlink()  # a symlink to the committed file: replace it, never write through it
    mirror.write_bytes(bytes(data))
    config = workflow_copy.config
    config["data"]["files"]["kaggle_house_pred_test.csv"]["url"] = "http://127.0.0.1:1/kaggle_house_pred_test.csv"
    config["data"]["retries"] = 0
    workflow_copy.set_config(config)
    done = workflow_copy.run("results/data/raw/kaggle_house_pred_test.csv", check=False)
    assert done.returncode != 0
    log = (workflow_copy.path / "results/logs/fetch_file/kaggle_house_pred_test.csv.log").read_text()
    assert "sha1 mismatch: expected fa19780a7b011d9b009e8bff8e99922a8ee2eb90" in log
    assert "resources/mirror/kaggle_house_pred_test.csv" in log and "127.0.0.1:1" in log
    raw = workflow_copy.path / "results" / "data" / "raw"
    assert not raw.exists() or list(raw.iterdir()) == []  # no target, no temporary file


def test_a_raw_file_edited_after_download_is_refused(workflow_copy):
    workflow_copy.run("results/data/raw/kaggle_house_pred_train.csv")
    raw = workflow_copy.path / "results/data/raw/kaggle_house_pred_train.csv"
    raw.write_text(raw.read_text().replace("208500", "208501"))
    done = workflow_copy.run("results/data/house_prices/features.npz", check=False)
    assert done.returncode != 0
    log = (workflow_copy.path / "results/logs/prepare_house_prices.log").read_text()
    assert "kaggle_house_pred_train.csv: sha1 is" in log and "--forcerun fetch_file" in log
    assert not (workflow_copy.path / "results/data/house_prices/features.npz").exists()


@pytest.mark.parametrize(
    "section, change, named",
    [
        ("device", "gpu", "config key 'device': 'gpu' is not one of ['auto', 'cpu', 'cuda']"),
        ("fashion_mnist", {"valid_fraction": 0}, "config key 'fashion_mnist.valid_fraction': 0 is less than or equal"),
        ("data", {"retries": "three"}, "config key 'data.retries': 'three' is not of type 'integer'"),
        ("data", {"mirrors": "resources/mirror"}, "config key 'data.mirrors': 'resources/mirror' is not of type"),
        ("data", {"unknown": 1}, "config key 'data.unknown': unknown key"),
    ],
)
def test_a_bad_config_stops_before_any_job(workflow_copy, section, change, named):
    workflow_copy.update_config(**{section: change})
    done = workflow_copy.run("data", check=False)
    assert done.returncode != 0 and "Error validating config file" in done.stdout
    assert named in done.stdout
    assert not (workflow_copy.path / "results").exists()


def test_a_missing_checksum_stops_before_any_job(workflow_copy):
    config = workflow_copy.config
    del config["data"]["files"]["t10k-labels-idx1-ubyte.gz"]["checksum"]
    workflow_copy.set_config(config)
    done = workflow_copy.run("data", check=False)
    assert done.returncode != 0
    assert "config key 'data.files.t10k-labels-idx1-ubyte.gz.checksum': required but missing" in done.stdout
    assert not (workflow_copy.path / "results").exists()
