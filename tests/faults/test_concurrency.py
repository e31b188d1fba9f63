"""Concurrency: a second snakemake in the same directory is refused by Snakemake's lock while the first
runs; the first completes intact. A deliberately held download keeps the first run busy for as long as
the test needs, so the outcome does not depend on timing."""

import subprocess
import sys

from initlab.data.fetch import verify_file

from faults.conftest import hold_download

NAME = "kaggle_house_pred_test.csv"


def start(wf, *args):
    cmd = [sys.executable, "-m", "snakemake", "--cores", "2", *args]
    return subprocess.Popen(cmd, cwd=wf.path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_second_invocation_is_refused_and_first_completes(offline, http_server):
    hold_download(offline, http_server, NAME, timeout=60)
    first = start(offline, "results/data/house_prices/features.npz")
    try:
        assert http_server.held.wait(60), "the first run never reached the download"
        second = offline.run("results/data/house_prices/features.npz", check=False)
    finally:
        http_server.release.set()
        out, _ = first.communicate(timeout=300)
    assert second.returncode != 0
    assert "Error: Directory cannot be locked." in second.stdout
    assert "It can be removed with the --unlock argument." in second.stdout
    assert "Select jobs to execute" not in second.stdout  # refused before running anything
    assert first.returncode == 0, out[-3000:]
    files = offline.config["data"]["files"]
    for name in (NAME, "kaggle_house_pred_train.csv"):
        verify_file(offline.path / "results/data/raw" / name, files[name]["checksum"])
    assert http_server.requests.count(NAME) == 1  # the refused run fetched nothing
    assert offline.dry_run_jobs("results/data/house_prices/features.npz") == {}


def test_a_run_on_other_targets_is_not_refused(offline, http_server):
    """Snakemake locks files, not the directory: a run whose files do not overlap goes ahead."""
    hold_download(offline, http_server, NAME, timeout=60)
    first = start(offline, f"results/data/raw/{NAME}")
    try:
        assert http_server.held.wait(60)
        other = offline.run("results/data/raw/t10k-labels-idx1-ubyte.gz", check=False)
    finally:
        http_server.release.set()
        out, _ = first.communicate(timeout=300)
    assert other.returncode == 0 and first.returncode == 0, other.stdout[-2000:] + out[-2000:]
