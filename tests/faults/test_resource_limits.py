"""Resource limits: a job that hits a memory limit fails promptly with a clear message, and leaves no output.

The limit is an address-space limit (RLIMIT_AS, what `ulimit -v` and `prlimit --as` set) on the snakemake
process, inherited by its jobs: enough for snakemake itself, too little for the Fashion-MNIST preparation
(which holds 60000 x 784 float32 images, 179 MiB, several times over).
"""

import resource
import subprocess
import sys

import pytest
from initlab.infra.joblog import job_log, memory_hint

from faults.conftest import FASHION, result_files, temp_files

LIMIT = 450 * 2**20  # bytes of address space


def limited(limit):
    def preexec():
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return preexec


def test_a_job_over_its_memory_limit_fails_clearly(workflow_copy):
    raw = [f"results/data/raw/{name}" for name in ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                                                   "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")]
    workflow_copy.run(*raw)  # fetched without a limit; only the preparation runs under it
    cmd = [sys.executable, "-m", "snakemake", "--cores", "1", FASHION]
    done = subprocess.run(cmd, cwd=workflow_copy.path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          preexec_fn=limited(LIMIT), timeout=300)  # a hang would fail here
    assert done.returncode != 0
    assert "Error in rule prepare_fashion_mnist" in done.stdout
    log = (workflow_copy.path / "results/logs/prepare_fashion_mnist.log").read_text()
    assert "Unable to allocate" in log
    assert "the job ran out of memory (address-space limit: 450 MiB, see `ulimit -v`)" in log
    assert not {p for p in result_files(workflow_copy) if p.startswith("results/data/fashion_mnist")}
    assert not temp_files(workflow_copy)
    # with the limit lifted the same command succeeds: the failure was the limit, nothing left behind blocks it
    workflow_copy.run(FASHION)


def test_memory_hint_names_the_limit():
    assert memory_hint(ValueError("bad value")) is None
    assert "address-space limit" in memory_hint(MemoryError())
    assert "ran out of memory" in memory_hint(RuntimeError("DefaultCPUAllocator: can't allocate memory: 8 GB"))


def test_job_log_records_the_hint(tmp_path):
    log = tmp_path / "job.log"
    with pytest.raises(MemoryError):
        with job_log(log):
            raise MemoryError("Unable to allocate 179. MiB")
    text = log.read_text()
    assert "job failed: MemoryError: Unable to allocate 179. MiB" in text and "ran out of memory" in text
