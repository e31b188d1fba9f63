"""Fault-injection helpers: offline configs, bad mirrors, and checks that nothing half-written is left."""

import csv
import hashlib
import io
import socket

import pytest
from conftest import ROOT

HOUSE = "results/data/house_prices/features.npz"
FASHION = "results/data/fashion_mnist/summary.json"


def closed_port():
    """A 127.0.0.1 port nothing listens on (bound, then released): connections are refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def mirror_bytes(name):
    """The committed, verified copy of a data file."""
    return (ROOT / "resources" / "mirror" / name).read_bytes()


@pytest.fixture
def offline(workflow_copy):
    """The workflow copy with every file URL on a closed 127.0.0.1 port, no retries and a short timeout.

    A source that fails then falls through to a refused connection, never to the internet.
    """
    port = closed_port()
    config = workflow_copy.config
    for name, entry in config["data"]["files"].items():
        entry["url"] = f"http://127.0.0.1:{port}/{name}"
    config["data"].update(retries=0, backoff=0, timeout=5)
    workflow_copy.set_config(config)
    return workflow_copy


def hold_download(wf, server, name, *, timeout):
    """Make the fetch of `name` wait on `server` until the test releases it; other files come
    from the committed mirror at once. `timeout` (s) bounds each read of the held download."""
    server.files[name] = mirror_bytes(name)
    server.plan[name] = ["hold"]
    config = wf.config
    config["data"].update(mirrors=[server.url, "resources/mirror"], retries=0, timeout=timeout)
    wf.set_config(config)


def add_mirror(wf, files, *, source="bad_mirror", match_checksum, fallback=True):
    """Put `files` (name -> bytes) in a directory mirror tried first; optionally publish their checksums.

    With `match_checksum` the config's checksum and size are set to the bad bytes', so the fetch accepts them and the
    parsing step is what must fail. `source` may also be a base URL whose server serves the files.
    With `fallback` the committed mirror is tried next; without it only the (refused) URL is left.
    """
    if not source.startswith("http"):
        (wf.path / source).mkdir(exist_ok=True)
        for name, data in files.items():
            (wf.path / source / name).write_bytes(data)
    config = wf.config
    if match_checksum:
        for name, data in files.items():
            config["data"]["files"][name].update(checksum=sha256(data), size=len(data))
    config["data"]["mirrors"] = [source, "resources/mirror"] if fallback else [source]
    wf.set_config(config)


def edit_csv(data, edit):
    """Apply `edit(rows)` to the parsed rows (header first) of CSV bytes; return the new bytes."""
    rows = list(csv.reader(io.StringIO(data.decode())))
    edit(rows)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode()


def result_files(wf):
    """Paths (relative, as strings) of every file under results/ except the job logs."""
    results = wf.path / "results"
    if not results.exists():
        return set()
    return {str(p.relative_to(wf.path)) for p in results.rglob("*") if p.is_file() and "logs" not in p.parts}


def temp_files(wf):
    """Temporary files the atomic writers leave only when something went wrong."""
    return {p for p in result_files(wf) if ".tmp" in p.rsplit("/", 1)[-1]}


def failure_text(done, wf, log):
    """Snakemake's console output plus the failed job's log: where the user looks for the error."""
    path = wf.path / log
    return done.stdout + (path.read_text() if path.exists() else "")


def reduced_initializers(wf, **changes):
    """A small initializer study: 2 initializers x 1 seed, 1 epoch on 1000 images (seconds per job)."""
    study = dict(initializers=["normal", "default"], seeds=[0], epochs=1, train_samples=1000,
                 comparisons={"pair": ["normal", "default"]})
    study.update(changes)
    wf.update_config(initializers=study)
