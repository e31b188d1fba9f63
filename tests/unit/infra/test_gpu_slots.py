"""The GPU slot allocator and its lock files, on CPU with fake device lists."""

import logging
import math
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from initlab.infra import gpu_slots, gpus, parent_run

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

def test_lock_dir_is_per_user_not_per_job_tmpdir(tmp_path):
    own = f"/tmp/initlab-gpu-{os.geteuid()}"
    assert gpu_slots.default_lock_dir({"TMPDIR": "/scratch/job42"}) == own
    assert gpu_slots.default_lock_dir({gpu_slots.LOCK_DIR_ENV: str(tmp_path)}) == str(tmp_path)
    assert gpu_slots.default_lock_dir({"SLURM_JOB_ID": "7"}) == f"{own}/slurm-7"


def test_each_slurm_job_has_its_own_locks(tmp_path):
    """In SLURM jobs GPU "0" is each job's own GPU: jobs must not contend across jobs, only within one."""
    env = {"CUDA_VISIBLE_DEVICES": "0", gpu_slots.LOCK_DIR_ENV: str(tmp_path / "locks"), gpu_slots.WAIT_ENV: "0"}
    job_a, job_b = dict(env, SLURM_JOB_ID="41"), dict(env, SLURM_JOB_ID="42")
    assert gpu_slots.claim(job_a, devices=["0"]) == (0, "0")
    assert gpu_slots.claim(job_b, devices=["0"]) == (0, "0")
    with pytest.raises(gpu_slots.NoFreeSlot):
        gpu_slots.claim(dict(job_a), devices=["0"])


@pytest.mark.parametrize("extra, wait", [({}, math.inf), ({"SLURM_JOB_ID": "7"}, math.inf),
                                         ({gpu_slots.WAIT_ENV: "5"}, 5.0),
                                         ({"SLURM_JOB_ID": "7", gpu_slots.WAIT_ENV: "5"}, 5.0)])
def test_a_job_waits_without_limit_unless_told(monkeypatch, extra, wait):
    taken = {}
    monkeypatch.setattr(gpu_slots, "acquire", lambda devices, per_gpu, lock_dir, timeout, alive, report_every:
                        taken.update(timeout=timeout) or (0, devices[0], 0))
    assert gpu_slots.claim(dict(extra, CUDA_VISIBLE_DEVICES="0"), devices=["0"]) == (0, "0")
    assert taken["timeout"] == wait


def test_a_job_waits_while_another_process_holds_the_only_slot_and_gets_it_once_released(tmp_path, monkeypatch,
                                                                                          caplog):
    locks = tmp_path / "locks"
    other = holder(["a"], 1, locks, 2.0)  # another run's job, holding the one slot for 2 s
    assert other.stdout.readline().split() == ["a", "0"]
    monkeypatch.setattr(gpu_slots, "REPORT_EVERY", 0.5)
    env = {gpu_slots.LOCK_DIR_ENV: str(locks), gpu_slots.JOBS_PER_GPU_ENV: "1",
           parent_run.MARKER_ENV: parent_run.marker()}  # the run that started this job: alive (this process)
    start = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="initlab.infra.gpu_slots"):
        assert gpu_slots.claim(env, devices=["a"]) == (0, "a")  # no INITLAB_GPU_WAIT: no time limit
    waited = time.monotonic() - start
    assert other.wait(timeout=10) == 0 and waited > 1.0  # it got the slot when the holder let it go
    waits = [r.getMessage() for r in caplog.records if r.getMessage().startswith("waiting")]
    assert waits and all(f"held by PIDs [{other.pid}]" in w for w in waits)  # who holds it, every 0.5 s
    assert all(r.console for r in caplog.records if r.getMessage().startswith("waiting"))  # on the console too


def test_a_waiting_job_gives_up_when_its_run_has_ended(tmp_path):
    locks = tmp_path / "locks"
    other = holder(["a"], 1, locks, 300)
    run = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
    try:
        assert other.stdout.readline().split() == ["a", "0"]
        env = {gpu_slots.LOCK_DIR_ENV: str(locks), gpu_slots.JOBS_PER_GPU_ENV: "1",
               parent_run.MARKER_ENV: parent_run.marker(run.pid)}
        run.kill()  # snakemake killed (kill -9): its jobs live on, orphans
        run.wait(timeout=10)
        start = time.monotonic()
        with pytest.raises(gpu_slots.NoFreeSlot, match=rf"run that started this job has ended.*PIDs \[{other.pid}\]"):
            gpu_slots.claim(env, devices=["a"])
        assert time.monotonic() - start < 5
    finally:
        for process in (other, run):
            process.kill()
            process.wait(timeout=10)


def test_the_run_marker_tells_a_live_run_from_an_ended_one_or_a_reused_pid():
    here = socket.gethostname()
    assert parent_run.alive(parent_run.marker())
    pid, start = parent_run.marker().split(" ")[1:]
    assert start.isdigit()  # /proc's start time (Linux)
    assert not parent_run.alive(f"{here} {pid} {int(start) + 1}")  # the PID now names another process
    assert parent_run.alive(f"another-host {pid} 1")  # a cluster job: its run is on the submitting host
    assert parent_run.alive("") and parent_run.alive("garbled")


@pytest.fixture
def restrictive_umask():
    old = os.umask(0o077)
    yield
    os.umask(old)


def test_lock_dir_is_private_and_lock_files_readable_whatever_the_umask(tmp_path, restrictive_umask):
    locks = tmp_path / "locks"
    assert gpu_slots.try_acquire([GPU1], 1, locks) == (0, GPU1, 0)
    assert locks.stat().st_mode & 0o7777 == 0o700
    lock = gpu_slots.lock_path(locks, GPU1, 0)
    assert lock.stat().st_mode & 0o777 == 0o644  # in an administrator's shared directory others open it read-only
    assert lock.read_text() == f"{os.getpid()}\n"


# Two users other than root: root ignores file modes, which would hide what a user may do to another.
VICTIM, ATTACKER = 65533, 65534
as_root = pytest.mark.skipif(os.geteuid() != 0, reason="acting as two other users needs root (setuid in a child)")


def as_user(uid, fn, *args, timeout=20.0, hold=False):
    """Run fn(*args) in a forked child as `uid` (gid the same, no other groups) and return its result's repr,
    or 'ExceptionName: message', or 'TIMEOUT' when it takes over `timeout` s (the child is then killed).
    With `hold`, the child then waits (holding what it took) and (text, pid) is returned."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        os.close(read_end)
        try:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            text = repr(fn(*args))
        except BaseException as err:  # reported, not raised: the parent asserts on it
            text = f"{type(err).__name__}: {err}"
        os.write(write_end, text.encode() + b"\0")
        while hold:
            signal.pause()
        os._exit(0)
    os.close(write_end)
    chunks = []
    with os.fdopen(read_end, "rb") as pipe:
        while not chunks or not chunks[-1].endswith(b"\0"):
            if not select.select([pipe], [], [], timeout)[0]:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return "TIMEOUT"
            chunk = os.read(pipe.fileno(), 65536)
            if not chunk:
                break
            chunks.append(chunk)
    text = b"".join(chunks).rstrip(b"\0").decode()
    if hold:
        return text, pid
    os.waitpid(pid, 0)
    return text


def stop(pid):
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)


@pytest.fixture
def shared_tmp(monkeypatch):
    """A stand-in for /tmp (root's, mode 1777) that the other users can reach: pytest's tmp_path is private.
    Being root's and sticky, it also stands for an administrator's shared lock directory."""
    path = Path(tempfile.mkdtemp(prefix="initlab-test-", dir="/tmp"))
    path.chmod(0o1777)
    monkeypatch.setattr(gpu_slots, "TMP", str(path), raising=False)  # raising: checked on older code
    yield path
    subprocess.run(["rm", "-rf", str(path)], check=True)


def claim_as(uid, env=None, devices=("a",), timeout=20.0, hold=False):
    """gpu_slots.claim as `uid`, without waiting for a slot; its environment is `env` only."""
    env = dict(env or {}, **{gpu_slots.WAIT_ENV: "0"})
    return as_user(uid, gpu_slots.claim, env, list(devices), timeout=timeout, hold=hold)


def victims_file(shared_tmp):
    """A file of the victim's that holds their data."""
    home = shared_tmp / "home"
    home.mkdir()
    victim = home / "notes.txt"
    victim.write_text("the victim's notes\n")
    for path in (home, victim):
        os.chown(path, VICTIM, VICTIM)
    return victim


def make(kind, path, target=None):
    """Create `path` as a directory anyone may write, a plain file, a FIFO or a symlink to `target`."""
    if kind == "dir":
        os.mkdir(path)
        os.chmod(path, 0o777)
    elif kind == "file":
        Path(path).write_text("squatted\n")
    elif kind == "fifo":
        os.mkfifo(path)
    else:
        os.symlink(target, path)
    return "made"


@as_root
def test_each_user_has_a_private_lock_dir_and_another_user_cannot_hold_its_slots(shared_tmp):
    """Formerly every user shared /tmp/initlab-gpu-locks: another user holding every slot stopped all GPU jobs."""
    attacker, pid = claim_as(ATTACKER, hold=True)  # holds GPU "a", slot 0, in its own directory
    try:
        assert attacker == "(0, 'a')"
        victims = shared_tmp / f"initlab-gpu-{VICTIM}"
        assert claim_as(VICTIM) == "(0, 'a')"  # not blocked by the other user's slot
        assert victims.stat().st_uid == VICTIM and victims.stat().st_mode & 0o7777 == 0o700
        # nor can the other user reach into the victim's directory to hold its slots
        said = claim_as(ATTACKER, {gpu_slots.LOCK_DIR_ENV: str(victims)})
        assert said.startswith(f"UnsafeLockPath: lock directory {victims} is a directory owned by uid {VICTIM}")
    finally:
        stop(pid)


@as_root
def test_a_symlinked_lock_file_in_another_users_directory_leaves_the_victims_file_alone(shared_tmp):
    victim = victims_file(shared_tmp)
    locks = shared_tmp / "locks"  # where the victim's jobs lock (INITLAB_GPU_LOCK_DIR), made by the attacker
    assert as_user(ATTACKER, make, "dir", str(locks)) == "'made'"
    assert as_user(ATTACKER, make, "symlink", str(gpu_slots.lock_path(locks, "a", 0)), str(victim)) == "'made'"
    said = claim_as(VICTIM, {gpu_slots.LOCK_DIR_ENV: str(locks)})
    assert victim.read_text() == "the victim's notes\n"
    assert said.startswith(f"UnsafeLockPath: lock directory {locks} is a directory owned by nobody, mode 777: "
                           f"expected a directory owned by uid {VICTIM}")
    assert gpu_slots.LOCK_DIR_ENV in said


@as_root
def test_a_symlinked_lock_file_in_a_shared_directory_leaves_the_victims_file_alone(shared_tmp):
    """In an administrator's shared directory (root's, sticky) any user may add files: a symlink is refused."""
    victim = victims_file(shared_tmp)
    lock = gpu_slots.lock_path(shared_tmp, "a", 0)
    assert as_user(ATTACKER, make, "symlink", str(lock), str(victim)) == "'made'"
    said = claim_as(VICTIM, {gpu_slots.LOCK_DIR_ENV: str(shared_tmp)})
    assert victim.read_text() == "the victim's notes\n"
    assert said.startswith(f"UnsafeLockPath: lock file {lock} is a symlink owned by nobody")
    assert "expected a regular file" in said


@as_root
@pytest.mark.parametrize("kind", ["dir", "file"])
def test_another_users_directory_or_file_at_the_users_lock_dir(shared_tmp, kind):
    """Squatting the victim's /tmp/initlab-gpu-<uid> fails with a clear error, or, where the victim has a private
    $XDG_RUNTIME_DIR, the victim's jobs lock there instead."""
    own = shared_tmp / f"initlab-gpu-{VICTIM}"
    assert as_user(ATTACKER, make, kind, str(own)) == "'made'"
    said = claim_as(VICTIM)
    kind_words = {"dir": "a directory owned by nobody, mode 777", "file": "a regular file owned by nobody"}[kind]
    assert said.startswith(f"UnsafeLockPath: lock directory {own} is {kind_words}")
    assert f"expected a directory owned by uid {VICTIM}" in said and gpu_slots.LOCK_DIR_ENV in said
    runtime = shared_tmp / "run"
    runtime.mkdir(mode=0o700)
    os.chown(runtime, VICTIM, VICTIM)
    assert claim_as(VICTIM, {"XDG_RUNTIME_DIR": str(runtime)}) == "(0, 'a')"
    assert gpu_slots.lock_path(runtime / "initlab-gpu", "a", 0).stat().st_uid == VICTIM


def full_then_message(lock_dir):
    """Take GPU "a" in `lock_dir` with no wait; return the NoFreeSlot message."""
    try:
        gpu_slots.acquire(["a"], 1, lock_dir, timeout=0)
    except gpu_slots.NoFreeSlot as err:
        return str(err)
    return "got a slot"


@as_root
def test_a_fifo_named_like_a_lock_file_neither_hangs_nor_is_locked(shared_tmp):
    held, pid = as_user(VICTIM, gpu_slots.try_acquire, ["a"], 1, str(shared_tmp), hold=True)
    try:
        assert held == "(0, 'a', 0)"
        for name in ("gpu-b-slot0.lock", "gpu-c-slot0.lock"):
            assert as_user(ATTACKER, make, "fifo", str(shared_tmp / name)) == "'made'"
        said = as_user(VICTIM, full_then_message, str(shared_tmp), timeout=10)
        assert said.startswith('"no free GPU slot') and f"held by PIDs [{pid}]" in said  # the FIFOs left out
        said = as_user(VICTIM, gpu_slots.try_acquire, ["b"], 1, str(shared_tmp), timeout=10)
        fifo = gpu_slots.lock_path(shared_tmp, "b", 0)
        assert said.startswith(f"UnsafeLockPath: lock file {fifo} is a FIFO owned by nobody")
    finally:
        stop(pid)


@as_root
def test_another_users_lock_file_in_a_shared_directory_still_locks_and_keeps_its_pid(shared_tmp):
    held, pid = as_user(VICTIM, gpu_slots.try_acquire, ["a"], 2, str(shared_tmp), hold=True)
    try:
        assert held == "(0, 'a', 0)"
        lock = gpu_slots.lock_path(shared_tmp, "a", 0)
        assert lock.stat().st_mode & 0o777 == 0o644 and lock.read_text() == f"{pid}\n"
        assert as_user(ATTACKER, gpu_slots.try_acquire, ["a"], 1, str(shared_tmp)) == "None"  # read-only, excluded
        assert as_user(ATTACKER, gpu_slots.try_acquire, ["a"], 2, str(shared_tmp)) == "(0, 'a', 1)"
    finally:
        stop(pid)
    assert as_user(ATTACKER, gpu_slots.try_acquire, ["a"], 1, str(shared_tmp)) == "(0, 'a', 0)"  # freed
    assert lock.read_text() == f"{pid}\n"  # another user's file: not written


@as_root
def test_an_unopenable_lock_file_is_a_clear_error_naming_file_and_owner(shared_tmp):
    assert as_user(VICTIM, gpu_slots.try_acquire, ["a"], 1, str(shared_tmp)) == "(0, 'a', 0)"
    lock = gpu_slots.lock_path(shared_tmp, "a", 0)
    lock.chmod(0o600)
    said = as_user(ATTACKER, gpu_slots.try_acquire, ["a"], 1, str(shared_tmp))
    assert said.startswith(f"PermissionError: lock file {lock} is a regular file owned by uid {VICTIM}, mode 600 "
                           "and this user cannot open it")
    assert gpu_slots.LOCK_DIR_ENV in said


@as_root
def test_a_shared_lock_dir_others_cannot_write_is_a_clear_error(shared_tmp):
    locks = shared_tmp / "admin"
    locks.mkdir(mode=0o755)  # root's, not sticky, closed to others: no lock file can be added
    said = as_user(ATTACKER, gpu_slots.try_acquire, ["a"], 1, str(locks))
    assert said.startswith(f"PermissionError: cannot create lock file {gpu_slots.lock_path(locks, 'a', 0)}: its "
                           "directory is a directory owned by root, mode 755")
    assert "expected mode 1777" in said


@as_root
def test_two_users_slurm_jobs_on_one_node_each_get_their_own_lock_dir(shared_tmp):
    """Formerly the first user's job created the shared base 0755 and the next user's job failed."""
    assert claim_as(VICTIM, {"SLURM_JOB_ID": "101"}) == "(0, 'a')"
    assert claim_as(ATTACKER, {"SLURM_JOB_ID": "102"}) == "(0, 'a')"
    for uid, job in ((VICTIM, 101), (ATTACKER, 102)):
        own = shared_tmp / f"initlab-gpu-{uid}" / f"slurm-{job}"
        assert own.stat().st_uid == uid and own.stat().st_mode & 0o7777 == 0o700
