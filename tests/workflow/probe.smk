# Probe rules for tests: jobs that record which GPU slot they got, when, and torch's thread count.
# Included into a scratch copy of the workflow (tests/workflow/test_gpu_limit.py, tests/workflow/test_slurm.py).

PROBE_GPU = """
import os, sys, time
from initlab.infra import gpu_slots
got = gpu_slots.claim()
start = time.time()
time.sleep(float(sys.argv[2]))
seen = os.environ.get("CUDA_VISIBLE_DEVICES")
open(sys.argv[1], "w").write(f"{got[1]} {start} {time.time()} {seen}\\n")
"""

PROBE_THREADS = """
import sys, torch
from initlab.infra import runtime
device = runtime.configure(threads=int(sys.argv[2]), seed=0, device="cpu")
open(sys.argv[1], "w").write(f"{torch.get_num_threads()} {device}\\n")
"""


rule probe_gpu:
    output:
        "results/probe/gpu/{i}.txt",
    log:
        "results/logs/probe_gpu/{i}.log",
    resources:
        gpu=gpus_per_job("train_initializer"),  # placed like a Fashion-MNIST training job
    params:
        hold=1.5,
    shell:
        "{sys.executable} -c '{PROBE_GPU}' {output} {params.hold} 2> {log}"


rule probe_threads:
    output:
        "results/probe/threads/{i}.txt",
    log:
        "results/logs/probe_threads/{i}.log",
    threads: 1
    shell:
        "{sys.executable} -c '{PROBE_THREADS}' {output} {threads} 2> {log}"
