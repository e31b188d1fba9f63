"""The GPUs as CUDA sees them (initlab.infra.gpus), from fake `nvidia-smi -L` listings and CUDA_VISIBLE_DEVICES."""

import os
import subprocess
import sys

import pytest
import torch
from initlab.infra import gpus

# `nvidia-smi -L` of a machine with MIG on its first GPU (two slices) and two whole GPUs
GPU0, GPU1, GPU2 = ("GPU-5d5ba0d6-d33d-2b2c-524d-9e3d8d2b8a77", "GPU-8f2a1c3e-0b4d-4e5f-9a6b-7c8d9e0f1a2b",
                    "GPU-77c1d2e3-f4a5-4b6c-8d7e-9f0a1b2c3d4e")
MIG0, MIG1 = "MIG-c6d4f1ef-42e4-5de3-91c7-45d71c87eb3f", "MIG-cba663e8-9bed-5b25-b243-5985ef7c9beb"
NVIDIA_SMI = f"""\
GPU 0: NVIDIA A100-SXM4-40GB (UUID: {GPU0})
  MIG 3g.20gb     Device  0: (UUID: {MIG0})
  MIG 3g.20gb     Device  1: (UUID: {MIG1})
GPU 1: NVIDIA A100-SXM4-40GB (UUID: {GPU1})
GPU 2: NVIDIA A100-SXM4-40GB (UUID: {GPU2})
"""
LISTING = gpus.parse_nvidia_smi(NVIDIA_SMI)


def test_nvidia_smi_listing_is_parsed_with_mig_devices_under_their_gpu():
    assert LISTING == [(GPU0, [MIG0, MIG1]), (GPU1, []), (GPU2, [])]
    assert gpus.parse_nvidia_smi("No devices were found\n") == []


def test_every_gpu_or_its_mig_slices_when_cuda_visible_devices_is_unset():
    assert gpus.visible_devices({}, listing=LISTING) == [MIG0, MIG1, GPU1, GPU2]
    assert gpus.visible_devices({}, listing=[]) == []


@pytest.mark.parametrize("listed, expected", [
    ("1,2", [GPU1, GPU2]),  # indices become UUIDs
    ("2,1", [GPU2, GPU1]),  # in the given order
    ("0", [MIG0, MIG1]),  # a GPU with MIG on is its slices
    (GPU2, [GPU2]),
    (f"{MIG1},{GPU1}", [MIG1, GPU1]),
    ("GPU-77c1", [GPU2]),  # a unique prefix, as CUDA accepts
    ("GPU-", []),  # ambiguous: names no device
    ("1,7,2", [GPU1]),  # no GPU 7: CUDA stops at the first entry that names no device
    ("GPU-ffffffff,1", []),
    ("", []), ("-1", []), ("2,-1,1", [GPU2]),
])
def test_cuda_visible_devices_narrows_the_listing_as_cuda_does(listed, expected):
    assert gpus.visible_devices({"CUDA_VISIBLE_DEVICES": listed}, listing=LISTING) == expected


@pytest.mark.parametrize("listed, expected", [
    ("0,1", ["0", "1"]), ("3", ["3"]), ("", []), ("-1", []), ("2,-1,3", ["2"]),
    ("GPU-8f2a,GPU-77c1", ["GPU-8f2a", "GPU-77c1"]), (MIG0, [MIG0]),
])
def test_without_nvidia_smi_the_entries_are_kept_as_written(listed, expected):
    """E.g. a SLURM test cluster with fake GPUs: no driver, only CUDA_VISIBLE_DEVICES."""
    assert gpus.visible_devices({"CUDA_VISIBLE_DEVICES": listed}, listing=None) == expected


def test_without_nvidia_smi_or_cuda_visible_devices_there_is_no_gpu(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no nvidia-smi to run
    assert gpus.visible_devices({}) == []


def fake_nvidia_smi(directory, output, status=0):
    """An executable `nvidia-smi` in `directory` that prints `output` and exits with `status`."""
    directory.mkdir(exist_ok=True)
    script = directory / "nvidia-smi"
    script.write_text(f"#!/bin/sh\n[ \"$1\" = -L ] || exit 2\ncat <<'EOF'\n{output}EOF\nexit {status}\n")
    script.chmod(0o755)
    return directory


def test_nvidia_smi_is_run_and_a_failing_one_counts_as_missing(monkeypatch, tmp_path):
    path = os.environ["PATH"]
    monkeypatch.setenv("PATH", f"{fake_nvidia_smi(tmp_path / 'ok', NVIDIA_SMI)}:{path}")
    assert gpus.nvidia_smi_listing() == LISTING
    assert gpus.visible_devices({"CUDA_VISIBLE_DEVICES": "1"}) == [GPU1]
    broken = fake_nvidia_smi(tmp_path / "broken", "NVIDIA-SMI has failed\n", status=9)
    monkeypatch.setenv("PATH", f"{broken}:{path}")
    assert gpus.nvidia_smi_listing() is None


def test_cuda_version_is_read_from_torch_version_py_without_importing_torch():
    assert gpus.torch_cuda_version() == torch.version.cuda  # the installed build, whichever it is
    cuda_build = "from typing import Optional\n__version__ = '2.13.0+cu128'\ncuda: Optional[str] = '12.8'\n"
    assert gpus.cuda_version_of(cuda_build) == "12.8"
    assert gpus.cuda_version_of("cuda = None\nhip = '6.2'\n") is None
    assert gpus.cuda_version_of("__version__ = '2.13.0'\n") is None


def test_the_parse_time_gpu_checks_import_no_torch():
    """The Snakefile imports these at parse time; torch alone would add about 1.4 s to every parse."""
    code = ("import sys\nfrom initlab.infra import gpu_slots, gpus\ngpus.torch_cuda_version()\n"
            "gpus.visible_devices()\nprint('torch' in sys.modules)")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60,
                          check=False)
    assert done.stdout.split() == ["False"], done.stderr
