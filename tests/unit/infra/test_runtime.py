"""Per-job set-up (initlab.infra.runtime): stable seeds, threads and seeding, matmul precision, device choice and
pinning with fake GPUs (the installed torch is a CPU-only build), provenance."""

import json
import logging
import os
import subprocess
import sys
from types import SimpleNamespace

import pytest
import torch
from initlab.infra import gpu_slots, gpus, runtime

from unit.infra.test_gpu_slots import holder
from unit.infra.test_gpus import GPU0, GPU1, LISTING, MIG0


def crc32(data):
    """Bitwise CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320): the oracle, independent of zlib."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0xEDB88320 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def test_the_oracle_reproduces_the_published_crc32_check_values():
    assert crc32(b"123456789") == 0xCBF43926  # the standard check value of CRC-32
    assert crc32(b"a") == 0xE8B7BE43


@pytest.mark.parametrize("parts, seed", [
    (("123456789",), 0x4BF43926),  # the check value with its top bit cleared
    (("a",), 0x68B7BE43),
    (("house_prices", "linear", "default", 1), 1467454013),
    (("linear_regression", 0), 740864488),
    (("initializers", "zeros", 2), 392794909),
])
def test_derive_seed_is_the_31_bit_crc32_of_the_parts_joined_by_slashes(parts, seed):
    assert runtime.derive_seed(*parts) == seed
    assert seed == crc32("/".join(map(str, parts)).encode()) & 0x7FFFFFFF


def test_string_wildcards_and_integers_give_the_same_seed():
    """Snakemake hands wildcards over as strings; a test or notebook passes integers."""
    assert runtime.derive_seed("house_prices", "linear", "default", "1") == runtime.derive_seed(
        "house_prices", "linear", "default", 1)
    assert runtime.derive_seed("a", 1) != runtime.derive_seed("a", 2) != runtime.derive_seed("b", 1)


@pytest.fixture
def torch_state():
    """Restore torch's thread count, cuDNN flag and matmul precision changed by configure()."""
    threads, benchmark = torch.get_num_threads(), torch.backends.cudnn.benchmark
    precision = torch.get_float32_matmul_precision()
    yield
    torch.set_num_threads(threads)
    torch.backends.cudnn.benchmark = benchmark
    torch.set_float32_matmul_precision(precision)


@pytest.mark.parametrize("threads, seed", [(1, 0), (2, 1467454013)])
def test_configure_sets_threads_and_seeds_the_global_generator(torch_state, caplog, threads, seed):
    torch.backends.cudnn.benchmark = True
    torch.rand(5)  # move the generator on: configure must reset it
    with caplog.at_level(logging.INFO, logger="initlab.infra.runtime"):
        device = runtime.configure(threads=threads, seed=seed, device="cpu")
    assert device == torch.device("cpu")
    assert torch.get_num_threads() == threads
    assert torch.backends.cudnn.benchmark is False
    expected = torch.rand(4, generator=torch.Generator().manual_seed(seed))
    assert torch.equal(torch.rand(4), expected)
    assert f"threads={threads} seed={seed} device=cpu matmul_precision=highest" in caplog.text


def test_same_seed_gives_bit_identical_training_on_cpu(torch_state):
    def train():
        runtime.configure(threads=1, seed=runtime.derive_seed("test", 0), device="cpu")
        net = torch.nn.Linear(4, 1)
        x = torch.randn(16, 4)
        for _ in range(3):
            net.zero_grad()
            torch.nn.functional.dropout(net(x), 0.5).pow(2).mean().backward()
            with torch.no_grad():
                for p in net.parameters():
                    p -= 0.1 * p.grad
        return torch.cat([p.detach().flatten() for p in net.parameters()])

    assert torch.equal(train(), train())


@pytest.fixture(autouse=True)
def fresh_claims(monkeypatch):
    """No slot or pin carried between tests, and no real nvidia-smi: device lists are given per test."""
    monkeypatch.setattr(gpus, "nvidia_smi_listing", lambda: None)
    gpu_slots.release_all()
    runtime._claimed.clear()
    yield
    gpu_slots.release_all()
    runtime._claimed.clear()


def fake_environ(tmp_path, visible=None, per_gpu=1):
    env = {gpu_slots.LOCK_DIR_ENV: str(tmp_path / "locks"), gpu_slots.WAIT_ENV: "0",
           gpu_slots.JOBS_PER_GPU_ENV: str(per_gpu)}
    return env if visible is None else dict(env, CUDA_VISIBLE_DEVICES=visible)


class FakeCuda:
    """A CUDA build of torch that sees `count` devices once started, cuda:0 having `uuid`."""

    def __init__(self, monkeypatch):
        self.count, self.uuid, self.started, self.selected = 1, None, False, []
        monkeypatch.setattr(torch.backends.cuda, "is_built", lambda: True)
        monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
        monkeypatch.setattr(torch.cuda, "is_initialized", lambda: self.started)
        monkeypatch.setattr(torch.cuda, "init", lambda: setattr(self, "started", True))
        monkeypatch.setattr(torch.cuda, "device_count", lambda: self.count)
        monkeypatch.setattr(torch.cuda, "get_device_properties",
                            lambda device: SimpleNamespace(name="NVIDIA H200", uuid=self.uuid))
        monkeypatch.setattr(torch.cuda, "set_device", self.selected.append)


@pytest.fixture
def cuda(monkeypatch):
    return FakeCuda(monkeypatch)


@pytest.fixture
def nvidia_smi(monkeypatch):
    """nvidia-smi -L lists GPU0 (with MIG0 and MIG1), GPU1 and GPU2."""
    monkeypatch.setattr(gpus, "nvidia_smi_listing", lambda: LISTING)


def test_cpu_is_cpu_even_with_gpus_listed_and_takes_no_slot(tmp_path, cuda):
    env = fake_environ(tmp_path, "0,1")
    assert runtime.resolve_device("cpu", env) == torch.device("cpu")
    assert runtime._claimed == {} and not (tmp_path / "locks").exists()
    assert env["CUDA_VISIBLE_DEVICES"] == "0,1"  # not pinned


def test_a_cpu_only_torch_build_runs_auto_on_the_cpu_without_taking_a_slot(tmp_path, monkeypatch, nvidia_smi):
    monkeypatch.setattr(torch.backends.cuda, "is_built", lambda: False)  # as the installed torch here
    env = fake_environ(tmp_path, "0,1")
    assert runtime.resolve_device("auto", env) == torch.device("cpu")
    assert not (tmp_path / "locks").exists() and env["CUDA_VISIBLE_DEVICES"] == "0,1"
    with pytest.raises(RuntimeError, match=r"'cuda' was asked for, but torch .* is a CPU-only build"):
        runtime.resolve_device("cuda", env)


def test_the_parse_time_check_agrees_with_the_installed_torch():
    assert (gpus.torch_cuda_version() is not None) == torch.backends.cuda.is_built()


@pytest.mark.parametrize("visible", ["", "-1", "-1,0"])
def test_auto_without_a_visible_gpu_is_cpu(tmp_path, cuda, visible):
    assert runtime.resolve_device("auto", fake_environ(tmp_path, visible)) == torch.device("cpu")
    assert runtime._claimed == {} and not (tmp_path / "locks").exists()


@pytest.mark.parametrize("visible", ["", "-1"])
def test_cuda_without_a_visible_gpu_names_cuda_visible_devices(tmp_path, cuda, visible):
    with pytest.raises(RuntimeError, match=rf"'cuda' was asked for.*CUDA_VISIBLE_DEVICES='{visible}'"):
        runtime.resolve_device("cuda", fake_environ(tmp_path, visible))


def test_a_cuda_job_is_pinned_by_uuid_to_a_free_gpu(tmp_path, cuda, nvidia_smi):
    """CUDA_VISIBLE_DEVICES names GPUs by index; another job holds GPU 1 by its UUID, which is the same lock."""
    env = fake_environ(tmp_path, "1,2")
    other = holder([GPU1], 1, tmp_path / "locks", 300)
    assert other.stdout.readline().split() == [GPU1, "0"]
    cuda.uuid = "77c1d2e3-f4a5-4b6c-8d7e-9f0a1b2c3d4e"  # GPU 2's, without the GPU- prefix (torch's form)
    try:
        assert runtime.resolve_device("cuda", env) == torch.device("cuda", 0)
        assert env["CUDA_VISIBLE_DEVICES"] == "GPU-77c1d2e3-f4a5-4b6c-8d7e-9f0a1b2c3d4e"  # GPU 2, as cuda:0
        assert runtime.resolve_device("auto", env) == torch.device("cuda", 0)  # one slot per process
        assert len(gpu_slots._held) == 1
    finally:
        other.kill()
        other.wait(timeout=10)


def test_a_mig_slice_is_pinned_by_its_own_uuid(tmp_path, cuda, nvidia_smi):
    cuda.uuid = GPU0.removeprefix("GPU-")  # CUDA may report the parent GPU for a slice: not compared
    env = fake_environ(tmp_path, "0")
    assert runtime.resolve_device("auto", env) == torch.device("cuda", 0)
    assert env["CUDA_VISIBLE_DEVICES"] == MIG0


def test_the_pin_fails_loudly_when_cuda_shows_more_than_one_device(tmp_path, cuda, nvidia_smi):
    """What torch.cuda.is_available() before configure does: CUDA started with every GPU, the pin came too late."""
    cuda.count = 3
    with pytest.raises(RuntimeError, match=rf"pinned to GPU {GPU1} .* but torch sees 3 CUDA devices"):
        runtime.resolve_device("auto", fake_environ(tmp_path, "1"))
    assert runtime._claimed == {}


def test_the_pin_fails_loudly_when_cuda_0_is_another_gpu(tmp_path, cuda, nvidia_smi):
    cuda.uuid = GPU0.removeprefix("GPU-")
    with pytest.raises(RuntimeError, match=rf"pinned to GPU {GPU1}, but torch's cuda:0 is {GPU0}"):
        runtime.resolve_device("cuda", fake_environ(tmp_path, GPU1))


def test_cuda_started_before_the_slot_is_refused_before_pinning(tmp_path, cuda, nvidia_smi):
    cuda.started = True
    env = fake_environ(tmp_path, "1")
    with pytest.raises(RuntimeError, match="CUDA was started before runtime.configure"):
        runtime.resolve_device("auto", env)
    assert env["CUDA_VISIBLE_DEVICES"] == "1" and gpu_slots._held == []


def test_no_free_slot_is_a_clear_error(tmp_path, cuda):
    env = fake_environ(tmp_path, "0")
    gpu_slots.acquire(["0"], 1, tmp_path / "locks", timeout=0)
    with pytest.raises(gpu_slots.NoFreeSlot, match="no free GPU slot.*jobs_per_gpu=1"):
        runtime.resolve_device("cuda", env)


def test_auto_falls_back_to_cpu_and_frees_the_slot_when_torch_cannot_use_the_gpu(tmp_path, cuda, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    env = fake_environ(tmp_path, "GPU-abc")
    assert runtime.resolve_device("auto", env) == torch.device("cpu")
    assert runtime._claimed == {}
    assert gpu_slots.try_acquire(["GPU-abc"], 1, tmp_path / "locks") is not None  # the slot was given back
    with pytest.raises(RuntimeError, match="torch sees no usable CUDA device"):
        runtime.resolve_device("cuda", fake_environ(tmp_path, "GPU-xyz"))


@pytest.mark.parametrize("choice", ["gpu", "CPU", "", None])
def test_unknown_choice_lists_the_allowed_ones(choice):
    with pytest.raises(ValueError, match=r"expected one of 'auto', 'cpu', 'cuda'"):
        runtime.resolve_device(choice, {})


def test_configure_pins_a_cuda_job_and_sets_threads_and_tf32(tmp_path, torch_state, cuda, monkeypatch):
    for key, value in fake_environ(tmp_path, "1,2").items():
        monkeypatch.setenv(key, value)
    device = runtime.configure(threads=1, seed=3, device="auto", matmul_precision="high")
    assert (device, cuda.selected, os.environ["CUDA_VISIBLE_DEVICES"]) == (torch.device("cuda", 0), [device], "1")
    assert torch.get_num_threads() == 1 and torch.get_float32_matmul_precision() == "high"
    assert runtime.provenance(device) == {"device": "cuda:0", "device_name": "NVIDIA H200", "torch": torch.__version__,
                                          "cuda": torch.version.cuda, "matmul_precision": "high", "threads": 1}


def test_a_cpu_job_computes_in_full_fp32_whatever_precision_it_is_given(torch_state):
    torch.set_float32_matmul_precision("medium")
    assert runtime.configure(threads=1, seed=0, device="cpu", matmul_precision="high") == torch.device("cpu")
    assert torch.get_float32_matmul_precision() == "highest"
    with pytest.raises(ValueError, match=r"matmul_precision 'medium': expected one of 'highest', 'high'"):
        runtime.configure(threads=1, seed=0, device="cpu", matmul_precision="medium")


def test_configure_overrides_a_tf32_environment_override():
    """GPU containers may set TORCH_ALLOW_TF32_CUBLAS_OVERRIDE=1; torch reads it at start-up (a fresh process)."""
    code = ("import torch\nfrom initlab.infra import runtime\nbefore = torch.get_float32_matmul_precision()\n"
            "runtime.configure(threads=1, seed=0, device='cpu')\n"
            "print(before, torch.get_float32_matmul_precision(), torch.backends.cuda.matmul.allow_tf32)")
    env = dict(os.environ, TORCH_ALLOW_TF32_CUBLAS_OVERRIDE="1", PYTHONPATH=os.pathsep.join(sys.path))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120,
                          check=False)
    assert done.stdout.split() == ["high", "highest", "False"], done.stderr


def test_provenance_of_a_cpu_run_names_the_cpu_model_and_is_json(tmp_path, torch_state):
    device = runtime.configure(threads=1, seed=0, device="cpu")
    record = runtime.provenance(device)
    assert record == {"device": "cpu", "device_name": runtime.cpu_model(), "torch": torch.__version__,
                      "cuda": torch.version.cuda, "matmul_precision": "highest", "threads": 1}
    assert json.loads(json.dumps(record)) == record
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Fake CPU 9000 @ 2.0GHz\n")
    assert runtime.cpu_model(cpuinfo) == "Fake CPU 9000 @ 2.0GHz"
    assert runtime.cpu_model(tmp_path / "absent")  # falls back to platform's name, never empty
