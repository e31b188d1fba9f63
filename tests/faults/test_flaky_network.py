"""Flaky network, end to end: snakemake fetches from a local server used as the mirror.

Retries (urllib3, for connection errors and 429/5xx answers), the per-read timeout and the hash
check behave as configured; a source that fails is logged and the next source is tried; when every
source fails, the error lists each attempt. Nothing but 127.0.0.1 is contacted.
"""

import pytest
from initlab.data.fetch import verify_file

from faults.conftest import mirror_bytes, result_files, temp_files

NAME = "kaggle_house_pred_test.csv"
TARGET = f"results/data/raw/{NAME}"
LOG = f"results/logs/fetch_file/{NAME}.log"


def use_server(wf, server, *, retries, timeout=5, fallback):
    """Serve the real file from `server`, used as the first mirror; the committed mirror next if `fallback`."""
    server.files[NAME] = mirror_bytes(NAME)
    config = wf.config
    config["data"].update(mirrors=[server.url] + (["resources/mirror"] if fallback else []), retries=retries,
                          backoff=0.01, timeout=timeout)
    wf.set_config(config)
    return f"{server.url}/{NAME}"


def fetched(wf, done):
    """The fetch succeeded and the target verifies; returns the job log."""
    assert done.returncode == 0, done.stdout[-3000:]
    verify_file(wf.path / TARGET, wf.config["data"]["files"][NAME]["checksum"])
    return (wf.path / LOG).read_text()


def failed(wf, done):
    """The fetch failed, left no target and no temporary file; returns console output plus job log."""
    assert done.returncode != 0
    assert TARGET not in result_files(wf) and not temp_files(wf)
    return done.stdout + (wf.path / LOG).read_text()


@pytest.mark.parametrize("failures", [[503], [500, 502, 429]])
def test_server_errors_are_retried_then_served(offline, http_server, failures):
    source = use_server(offline, http_server, retries=3, fallback=False)
    http_server.plan[NAME] = list(failures)
    log = fetched(offline, offline.run(TARGET, check=False))
    assert http_server.requests.count(NAME) == len(failures) + 1
    assert "verified sha1" in log and f"from {source}" in log


def test_more_failures_than_retries_fail_listing_attempts(offline, http_server):
    source = use_server(offline, http_server, retries=1, fallback=False)
    http_server.plan[NAME] = [503, 503, 503]
    text = failed(offline, offline.run(TARGET, check=False))
    assert http_server.requests.count(NAME) == 2  # first try + 1 retry
    assert f"{NAME}: no source delivered a file with sha1" in text
    assert f"  {source}: " in text and "503 Server Error: Service Unavailable" in text
    assert f"  {offline.config['data']['files'][NAME]['url']}: " in text and "Connection refused" in text


def test_a_stall_times_out_then_the_retry_is_served(offline, http_server):
    source = use_server(offline, http_server, retries=1, timeout=1, fallback=False)
    http_server.plan[NAME] = ["stall"]
    log = fetched(offline, offline.run(TARGET, check=False))
    assert http_server.requests.count(NAME) == 2 and f"from {source}" in log


@pytest.mark.parametrize("fault", ["stall", "stall_body"])
def test_a_stalled_mirror_times_out_and_the_next_source_is_used(offline, http_server, fault):
    source = use_server(offline, http_server, retries=0, timeout=1, fallback=True)
    http_server.plan[NAME] = [fault]
    log = fetched(offline, offline.run(TARGET, check=False))
    assert f"{source} failed: " in log and "timed out" in log
    assert f"from resources/mirror/{NAME}" in log


def test_stalls_everywhere_fail_listing_each_timeout(offline, http_server):
    source = use_server(offline, http_server, retries=0, timeout=1, fallback=False)
    http_server.plan[NAME] = ["stall_body"]
    text = failed(offline, offline.run(TARGET, check=False))
    assert f"  {source}: " in text and "Read timed out" in text


@pytest.mark.parametrize("fault", ["wrong", "truncate"])
def test_wrong_or_short_bytes_are_rejected_and_the_next_source_is_used(offline, http_server, fault):
    source = use_server(offline, http_server, retries=0, fallback=True)
    http_server.plan[NAME] = [fault]
    log = fetched(offline, offline.run(TARGET, check=False))
    reason = "sha1 mismatch: expected" if fault == "wrong" else "IncompleteRead"
    assert f"{source} failed: " in log and reason in log
    assert f"from resources/mirror/{NAME}" in log


def test_wrong_bytes_from_every_source_fail(offline, http_server):
    use_server(offline, http_server, retries=2, fallback=False)
    http_server.plan[NAME] = ["wrong"]
    text = failed(offline, offline.run(TARGET, check=False))
    # a hash mismatch is not an HTTP error: the same source is not asked again
    assert http_server.requests.count(NAME) == 1
    assert "sha1 mismatch" in text


def test_an_endless_body_is_cut_at_the_configured_size_and_the_next_source_used(offline, http_server):
    """config.yaml's size reaches the fetch job: the mirror that never stops sending is cut there."""
    source = use_server(offline, http_server, retries=0, fallback=True)
    http_server.plan[NAME] = ["endless"]
    log = fetched(offline, offline.run(TARGET, check=False))
    size = offline.config["data"]["files"][NAME]["size"]
    assert f"{source} failed: more than the expected {size} bytes" in log
    assert f"from resources/mirror/{NAME}" in log and http_server.sent[NAME] < 16 << 20
