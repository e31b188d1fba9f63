"""The GPU slot allocator and device choice, on CPU with fake device lists."""

import os
import signal
import subprocess
import sys

import pytest
import torch
from initlab.infra import gpu_slots, runtime

HOLDER = """
import sys, time
from initlab.infra import gpu_slots
devices, per_gpu, lock_dir, hold = sys.argv[1].split(","), int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
index, device, slot = gpu_slots.acquire(devices, per_gpu, lock_dir, timeout=60, poll=0.01)
start = time.time()
print(device, slot, flush=True)
time.sleep(hold)
with open(sys.argv[5], "a") as f:
    f.write(f"{device} {slot} {start} {time.time()}\\n")
"""


def holder(devices, per_gpu, lock_dir, hold, record="/dev/null"):
    """A separate process that takes a slot, prints 'device slot', holds it `hold` seconds."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    return subprocess.Popen(
        [sys.executable, "-c", HOLDER, ",".join(devices), str(per_gpu), str(lock_dir), str(hold), str(record)],
        stdout=subprocess.PIPE, text=True, env=env)


@pytest.fixture(autouse=True)
def fresh_process_state():
    gpu_slots.release_all()
    runtime._claimed.clear()
    yield
    gpu_slots.release_all()
    runtime._claimed.clear()


def max_overlap(intervals):
    """Most intervals open at one instant."""
    events = sorted([(s, 1) for s, _ in intervals] + [(e, -1) for _, e in intervals], key=lambda x: (x[0], x[1]))
    most = now = 0
    for _, step in events:
        now += step
        most = max(most, now)
    return most


def test_contending_processes_never_exceed_jobs_per_gpu(tmp_path):
    record = tmp_path / "record.txt"
    procs = [holder(["0", "1"], 2, tmp_path / "locks", 0.4, record) for _ in range(10)]
    for p in procs:
        assert p.wait(timeout=60) == 0
    rows = [line.split() for line in record.read_text().splitlines()]
    assert len(rows) == 10
    per_device = {d: [(float(s), float(e)) for dev, _, s, e in rows if dev == d] for d in ("0", "1")}
    per_slot = {(d, k): [(float(s), float(e)) for dev, slot, s, e in rows if (dev, slot) == (d, k)]
                for d, k, _, _ in rows}
    # 10 jobs, 4 slots: every slot is used, a slot by one job at a time, a device by at most 2
    assert len(per_slot) == 4
    assert all(max_overlap(iv) == 1 for iv in per_slot.values())
    assert all(1 <= max_overlap(iv) <= 2 for iv in per_device.values())


def test_full_allocator_refuses_then_a_killed_holder_frees_its_slot(tmp_path):
    locks = tmp_path / "locks"
    procs = [holder(["a", "b"], 1, locks, 300) for _ in range(2)]
    taken = [tuple(p.stdout.readline().split()) for p in procs]
    assert sorted(taken) == [("a", "0"), ("b", "0")]  # slot-major: one job per device first
    with pytest.raises(gpu_slots.NoFreeSlot, match=r"devices \['a', 'b'\], jobs_per_gpu=1"):
        gpu_slots.acquire(["a", "b"], 1, locks, timeout=0.3, poll=0.05)
    procs[1].send_signal(signal.SIGKILL)
    procs[1].wait(timeout=10)
    index, device, slot = gpu_slots.acquire(["a", "b"], 1, locks, timeout=5)
    assert (device, str(slot)) == taken[1]  # the killed job's slot, freed by the kernel
    procs[0].kill()
    procs[0].wait(timeout=10)


def test_slots_spread_over_devices_before_sharing_one(tmp_path):
    got = [gpu_slots.acquire(["0", "1"], 2, tmp_path, timeout=0) for _ in range(4)]
    assert got == [(0, "0", 0), (1, "1", 0), (0, "0", 1), (1, "1", 1)]
    with pytest.raises(gpu_slots.NoFreeSlot):
        gpu_slots.acquire(["0", "1"], 2, tmp_path, timeout=0)
    gpu_slots.release_all()
    assert gpu_slots.acquire(["0", "1"], 2, tmp_path, timeout=0) == (0, "0", 0)


@pytest.mark.parametrize("listed, expected", [
    ("0,1", ["0", "1"]), ("3", ["3"]), ("", []), ("-1", []), ("2,-1,3", ["2"]),
    ("GPU-8f2a,GPU-77c1", ["GPU-8f2a", "GPU-77c1"]),
])
def test_visible_devices_follow_cuda_visible_devices(listed, expected):
    assert gpu_slots.visible_devices({"CUDA_VISIBLE_DEVICES": listed}) == expected


def test_visible_devices_count_driver_entries_when_unset(tmp_path):
    for bus in ("0000:01:00.0", "0000:41:00.0", "0000:81:00.0"):
        (tmp_path / bus).mkdir()
    assert gpu_slots.visible_devices({}, nvidia_proc=tmp_path) == ["0", "1", "2"]
    assert gpu_slots.visible_devices({}, nvidia_proc=tmp_path / "absent") == []


def fake_gpu_env(tmp_path, devices, per_gpu=1):
    return {"CUDA_VISIBLE_DEVICES": devices, gpu_slots.LOCK_DIR_ENV: str(tmp_path / "locks"),
            gpu_slots.JOBS_PER_GPU_ENV: str(per_gpu), gpu_slots.WAIT_ENV: "0"}


@pytest.fixture
def torch_sees_cuda(monkeypatch):
    """Pretend torch has a working CUDA that is not initialized yet."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_initialized", lambda: False)


def test_cuda_job_is_pinned_to_a_free_device(tmp_path, torch_sees_cuda):
    env = fake_gpu_env(tmp_path, "3,5")
    other = holder(["3", "5"], 1, tmp_path / "locks", 300)  # another job holds GPU 3
    assert other.stdout.readline().split() == ["3", "0"]
    try:
        assert runtime.resolve_device("cuda", env) == torch.device("cuda", 0)
        assert env["CUDA_VISIBLE_DEVICES"] == "5"  # the job now sees only GPU 5, as cuda:0
        assert runtime.resolve_device("cuda", env) == torch.device("cuda", 0)  # one slot per process
        assert len(gpu_slots._held) == 1
    finally:
        other.kill()
        other.wait(timeout=10)


def test_cuda_already_initialized_uses_the_device_index(tmp_path, torch_sees_cuda, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_initialized", lambda: True)
    env = fake_gpu_env(tmp_path, "0,1")
    gpu_slots.acquire(["0", "1"], 1, tmp_path / "locks", timeout=0)  # as if another job held GPU 0
    assert runtime.resolve_device("auto", env) == torch.device("cuda", 1)
    assert env["CUDA_VISIBLE_DEVICES"] == "0,1"  # too late to narrow it: select by index instead


def test_no_free_slot_is_a_clear_error(tmp_path, torch_sees_cuda):
    env = fake_gpu_env(tmp_path, "0")
    gpu_slots.acquire(["0"], 1, tmp_path / "locks", timeout=0)
    with pytest.raises(gpu_slots.NoFreeSlot, match="no free GPU slot.*jobs_per_gpu=1"):
        runtime.resolve_device("cuda", env)


def test_each_slurm_job_has_its_own_locks(tmp_path):
    """In SLURM jobs GPU "0" is each job's own GPU: jobs must not contend across jobs, only within one."""
    job_a = dict(fake_gpu_env(tmp_path, "0"), SLURM_JOB_ID="41")
    job_b = dict(fake_gpu_env(tmp_path, "0"), SLURM_JOB_ID="42")
    assert gpu_slots.claim(job_a) == (0, "0")
    assert gpu_slots.claim(job_b) == (0, "0")
    with pytest.raises(gpu_slots.NoFreeSlot):
        gpu_slots.claim(dict(job_a))
    assert gpu_slots.default_lock_dir(job_a) == str(tmp_path / "locks" / "slurm-41")


def test_device_choice_without_a_gpu(tmp_path):
    assert runtime.resolve_device("cpu", fake_gpu_env(tmp_path, "0")) == torch.device("cpu")
    assert runtime.resolve_device("auto", fake_gpu_env(tmp_path, "")) == torch.device("cpu")
    with pytest.raises(RuntimeError, match="'cuda' was asked for, but no GPU is visible"):
        runtime.resolve_device("cuda", fake_gpu_env(tmp_path, ""))
    with pytest.raises(ValueError, match="expected one of 'auto', 'cpu', 'cuda'"):
        runtime.resolve_device("gpu", {})


def test_device_choice_when_torch_cannot_use_the_visible_gpu(tmp_path, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    env = fake_gpu_env(tmp_path, "0")
    assert runtime.resolve_device("auto", env) == torch.device("cpu")
    assert gpu_slots._held == []  # auto fell back to the CPU and gave the slot back
    with pytest.raises(RuntimeError, match="torch sees no usable CUDA device"):
        runtime.resolve_device("cuda", fake_gpu_env(tmp_path, "0"))


def test_configure_pins_a_cuda_job_and_sets_threads(tmp_path, torch_sees_cuda, monkeypatch):
    chosen = []
    monkeypatch.setattr(torch.cuda, "set_device", chosen.append)
    for key, value in fake_gpu_env(tmp_path, "1,2", per_gpu=1).items():
        monkeypatch.setenv(key, value)
    threads = torch.get_num_threads()
    try:
        device = runtime.configure(threads=1, seed=3, device="auto")
        assert (device, chosen, os.environ["CUDA_VISIBLE_DEVICES"]) == (torch.device("cuda", 0), [device], "1")
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(threads)


def test_configure_deterministic(monkeypatch):
    monkeypatch.delenv("CUBLAS_WORKSPACE_CONFIG", raising=False)
    try:
        assert runtime.configure(threads=1, seed=0, device="cpu", deterministic=True) == torch.device("cpu")
        assert torch.are_deterministic_algorithms_enabled()
        assert os.environ["CUBLAS_WORKSPACE_CONFIG"] == ":4096:8"
    finally:
        torch.use_deterministic_algorithms(False)
