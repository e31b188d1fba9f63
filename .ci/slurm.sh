#!/usr/bin/env bash
# CI: run a reduced workflow through a real single-node SLURM and compare it with a local run.
#
# As root on a fresh Debian machine, from a checkout whose Python environment is set up (.venv, as
# .ci/run makes it, or an active virtualenv): installs Debian's slurm and munge when missing, writes
# /etc/slurm/slurm.conf (one node, 8 CPUs, two fake GPUs), starts munged, slurmctld and slurmd
# in the background, waits until the node is idle, installs the [slurm] extra (requirements/slurm.txt),
# runs tests/workflow/test_slurm.py with INITLAB_SLURM=1, stops the daemons it started, by PID, and
# removes the config files it wrote. The SLURM config must live at
# /etc/slurm/slurm.conf: the plugin's job-step helper drops SLURM_CONF, so the inner srun would read
# another file.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
[ "$(id -u)" = 0 ] || { echo "slurm.sh: run as root (installs packages, starts daemons)" >&2; exit 2; }

STATE=${INITLAB_SLURM_STATE:-/tmp/initlab-slurm}  # spool, state, logs of this throw-away cluster
MARK="# written by initlab .ci/slurm.sh"
if [ -e /etc/slurm/slurm.conf ] && ! grep -qF "$MARK" /etc/slurm/slurm.conf; then
    echo "slurm.sh: /etc/slurm/slurm.conf exists and is not ours; refusing to replace it" >&2
    exit 2
fi

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null \
    || ! command -v munged >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends slurmctld slurmd slurm-client munge >/dev/null
fi
echo "slurm: $(sinfo --version), munge $(munged --version 2>&1 | head -1)"

# munge: a key owned by munge, mode 400, and its run/log/lib directories
[ -s /etc/munge/munge.key ] || mungekey -c -k /etc/munge/munge.key
chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
mkdir -p /run/munge /var/log/munge /var/lib/munge
chown munge:munge /run/munge /var/log/munge /var/lib/munge

pids=()
stop_daemons() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    echo "stopped daemons ${pids[*]}"
    # With slurm.conf naming a controller that is gone, `scontrol` waits ~9 s, and the SLURM plugin
    # runs `scontrol show config` whenever Snakemake starts: remove our config to keep starts fast.
    rm -f /etc/slurm/slurm.conf /etc/slurm/gres.conf
}
trap stop_daemons EXIT

host=$(hostname -s)
# The node offers 8 CPUs whatever the machine has (config_overrides): CI jobs mostly wait on
# process start-up and status polls, so running 8 at once keeps the run short.
memory=$(slurmd -C | head -1 | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p')
mkdir -p "$STATE"/{ctld,spool}
cat > /etc/slurm/slurm.conf <<EOF
$MARK
ClusterName=initlab
SlurmctldHost=$host
SlurmUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
ReturnToService=2
MinJobAge=300
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/spool
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$STATE/slurmctld.log
SlurmdLogFile=$STATE/slurmd.log
SlurmdParameters=config_overrides
GresTypes=gpu
NodeName=$host CPUs=8 RealMemory=$memory Gres=gpu:2 State=UNKNOWN
PartitionName=main Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
# two fake GPUs: enough for SLURM to hand out `--gpus=1` and set CUDA_VISIBLE_DEVICES
cat > /etc/slurm/gres.conf <<EOF
$MARK
NodeName=$host Name=gpu File=/dev/null
NodeName=$host Name=gpu File=/dev/zero
EOF


setpriv --reuid=munge --regid=munge --init-groups /usr/sbin/munged --foreground >"$STATE/munged.out" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [ -S /run/munge/munge.socket.2 ] && break; sleep 0.1; done
/usr/sbin/slurmctld -D -c >/dev/null 2>&1 &  # -c: no jobs left from an earlier run
pids+=($!)
/usr/sbin/slurmd -D >/dev/null 2>&1 &
pids+=($!)

state=
for _ in $(seq 60); do
    state=$(sinfo -h -o %t 2>/dev/null || true)
    [ "$state" = idle ] && break
    sleep 1
done
if [ "$state" != idle ]; then
    echo "slurm.sh: node not idle after 60 s (sinfo says '${state}')" >&2
    tail -n 20 "$STATE"/slurmctld.log "$STATE"/slurmd.log >&2 || true
    exit 1
fi
echo "slurm up in $((SECONDS - start)) s: $(sinfo -h -o '%P %D %t %G')"

if [ -z "${VIRTUAL_ENV:-}" ] && [ -f .venv/bin/activate ]; then . .venv/bin/activate; fi
# The SLURM executor plugin is the [slurm] extra, not part of the README's set-up: install it the way
# docs/operations.md tells SLURM users to, then check that Snakemake sees it.
pip install --quiet -r requirements/slurm.txt -e ".[slurm]"
python -c "import snakemake_executor_plugin_slurm" || { echo "slurm.sh: the [slurm] extra did not install" >&2; exit 1; }
echo "slurm plugin: $(pip list 2>/dev/null | grep -i snakemake-executor-plugin-slurm | tr -s ' ' | paste -sd ',')"
# test_slurm.py, and the grouped GPU profile's sbatch flags (skipped in the plain suite without the plugin)
INITLAB_SLURM=1 python -m pytest -q -rs -p no:cacheprovider tests/workflow/test_slurm.py \
    tests/workflow/test_gpu_limit.py::test_the_grouped_slurm_profile_asks_one_gpu_for_a_group_of_training_jobs "$@"
echo "SLURM CI took $((SECONDS - start)) s"
