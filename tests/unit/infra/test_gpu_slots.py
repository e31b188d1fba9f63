"""The GPU slot allocator and its lock files, on CPU with fake device lists."""

import math
import os
import pwd
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from initlab.infra import gpu_slots, gpus

from unit.infra.test_gpus import GPU1, LISTING

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
    yield
    gpu_slots.release_all()


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


def test_an_index_and_the_uuid_of_one_gpu_are_one_lock(tmp_path):
    by_index = gpus.visible_devices({"CUDA_VISIBLE_DEVICES": "1"}, listing=LISTING)
    by_uuid = gpus.visible_devices({"CUDA_VISIBLE_DEVICES": GPU1}, listing=LISTING)
    assert gpu_slots.acquire(by_index, 1, tmp_path, timeout=0) == (0, GPU1, 0)
    with pytest.raises(gpu_slots.NoFreeSlot, match=GPU1):
        gpu_slots.acquire(by_uuid, 1, tmp_path, timeout=0)


# --- the lock directory and lock files on a machine shared by several users ---

def test_lock_dir_is_machine_wide_not_per_job_tmpdir(tmp_path):
    assert gpu_slots.default_lock_dir({"TMPDIR": "/scratch/job42"}) == "/tmp/initlab-gpu-locks"
    assert gpu_slots.default_lock_dir({gpu_slots.LOCK_DIR_ENV: str(tmp_path)}) == str(tmp_path)
    assert gpu_slots.default_lock_dir({"SLURM_JOB_ID": "7"}) == "/tmp/initlab-gpu-locks/slurm-7"


def test_each_slurm_job_has_its_own_locks(tmp_path):
    """In SLURM jobs GPU "0" is each job's own GPU: jobs must not contend across jobs, only within one."""
    env = {"CUDA_VISIBLE_DEVICES": "0", gpu_slots.LOCK_DIR_ENV: str(tmp_path / "locks"), gpu_slots.WAIT_ENV: "0"}
    job_a, job_b = dict(env, SLURM_JOB_ID="41"), dict(env, SLURM_JOB_ID="42")
    assert gpu_slots.claim(job_a, devices=["0"]) == (0, "0")
    assert gpu_slots.claim(job_b, devices=["0"]) == (0, "0")
    with pytest.raises(gpu_slots.NoFreeSlot):
        gpu_slots.claim(dict(job_a), devices=["0"])


@pytest.mark.parametrize("extra, wait", [({}, 60.0), ({"SLURM_JOB_ID": "7"}, math.inf),
                                         ({"SLURM_JOB_ID": "7", gpu_slots.WAIT_ENV: "5"}, 5.0)])
def test_a_slurm_job_waits_for_its_group_mates_slots_without_limit(monkeypatch, extra, wait):
    taken = {}
    monkeypatch.setattr(gpu_slots, "acquire", lambda devices, per_gpu, lock_dir, timeout: taken.update(
        timeout=timeout) or (0, devices[0], 0))
    assert gpu_slots.claim(dict(extra, CUDA_VISIBLE_DEVICES="0"), devices=["0"]) == (0, "0")
    assert taken["timeout"] == wait


@pytest.fixture
def restrictive_umask():
    old = os.umask(0o077)
    yield
    os.umask(old)


def test_lock_dir_and_files_are_open_to_every_user_whatever_the_umask(tmp_path, restrictive_umask):
    locks = tmp_path / "locks"
    assert gpu_slots.try_acquire([GPU1], 1, locks) == (0, GPU1, 0)
    assert locks.stat().st_mode & 0o7777 == 0o1777  # sticky: others add files, only owners remove them
    lock = gpu_slots.lock_path(locks, GPU1, 0)
    assert lock.stat().st_mode & 0o777 == 0o666
    assert lock.read_text() == f"{os.getpid()}\n"


@pytest.fixture
def shared_tmp():
    """A lock directory under /tmp that another user can reach (pytest's tmp_path is private)."""
    path = Path(tempfile.mkdtemp(prefix="initlab-test-", dir="/tmp"))
    path.chmod(0o1777)
    yield path
    subprocess.run(["rm", "-rf", str(path)], check=True)


TAKER = """
import os, sys
from initlab.infra import gpu_slots
if sys.argv[4] == "nobody":  # after the imports: the interpreter may live where nobody cannot read
    os.setgid(65534)
    os.setuid(65534)
try:
    print(gpu_slots.try_acquire(sys.argv[2].split(","), int(sys.argv[3]), sys.argv[1]))
except PermissionError as err:
    print("PermissionError:", err)
"""


def other_user_takes(lock_dir, devices, jobs_per_gpu=1):
    """Run try_acquire as another user: `nobody` when the tests run as root (root ignores file modes),
    else this user, for whom the test has removed its own permissions. Returns what it printed."""
    user = "nobody" if os.geteuid() == 0 else "self"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    done = subprocess.run([sys.executable, "-c", TAKER, str(lock_dir), ",".join(devices), str(jobs_per_gpu), user],
                          capture_output=True, text=True, env=env, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_another_users_read_only_lock_file_still_locks(shared_tmp):
    locks = shared_tmp / "locks"
    assert gpu_slots.try_acquire(["a"], 2, locks) == (0, "a", 0)  # this user holds slot 0 ...
    gpu_slots.lock_path(locks, "a", 0).chmod(0o444)  # ... in a file the other user may not write
    assert other_user_takes(locks, ["a"], jobs_per_gpu=1) == "None"  # opened read-only, and still excluded
    assert other_user_takes(locks, ["a"], jobs_per_gpu=2) == "(0, 'a', 1)"  # the next slot is free
    gpu_slots.release_all()
    assert other_user_takes(locks, ["a"], jobs_per_gpu=1) == "(0, 'a', 0)"  # freed: the read-only file locks


def test_an_unopenable_lock_file_is_a_clear_error_naming_file_and_owner(shared_tmp):
    locks = shared_tmp / "locks"
    assert gpu_slots.try_acquire(["a"], 1, locks) is not None
    lock = gpu_slots.lock_path(locks, "a", 0)
    lock.chmod(0o600 if os.geteuid() == 0 else 0o000)
    owner = pwd.getpwuid(lock.stat().st_uid).pw_name
    said = other_user_takes(locks, ["a"])
    assert said.startswith(f"PermissionError: GPU lock file {lock} belongs to {owner}")
    assert f"chmod 666 {lock}" in said and gpu_slots.LOCK_DIR_ENV in said


def test_a_lock_dir_others_cannot_write_is_a_clear_error(shared_tmp):
    locks = shared_tmp / "private"
    locks.mkdir(mode=0o755)
    if os.geteuid() != 0:
        locks.chmod(0o555)
    said = other_user_takes(locks, ["a"])
    assert said.startswith(f"PermissionError: cannot create GPU lock file {gpu_slots.lock_path(locks, 'a', 0)}")
    assert "expected 1777" in said and f"chmod 1777 {locks}" in said
