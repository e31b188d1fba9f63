"""Which jobs run on the submitting host under a cluster executor (`localrule: True` in the rule files).

The rule: a job that imports no torch runs there (summaries, plots, pages, data preparation that is
pandas only: a second or two, where an sbatch job costs a queue wait and a 30 min / 2 GB allocation),
and so do the jobs that need the network, credentials or git, which compute nodes often lack. Every
job that imports torch (training, checks, Fashion-MNIST preparation) goes to the cluster. What a job
imports is measured, not read: each script's own import lines run in a fresh process (a page job's
also its notebook templates', which its kernels run), and torch must appear in sys.modules or not.
tests/workflow/test_slurm.py shows the same split on a real SLURM.
"""

import ast
import json
import re
import subprocess
import sys

import pytest
from conftest import ROOT

RULES = ROOT / "workflow" / "rules"
NEEDS_THE_SUBMIT_HOST = {"fetch_file": "network", "submit_kaggle": "network, credentials", "keep_run": "git"}


def rule_scripts():
    """{rule: script file name} for every rule with a `script:`."""
    found = {}
    for path in RULES.glob("*.smk"):
        for name, script in re.findall(r'^rule (\w+):\n(?:    .*\n|\n)*?    script:\n        "../scripts/(\w+\.py)"',
                                       path.read_text(), re.M):
            found[name] = script
    return found


def local_rules():
    """The rules marked `localrule: True`. Marked per rule, never in a `localrules:` list, whose names
    Snakemake does not rename when a project uses the workflow as a module (`use rule * from initlab
    as initlab_*`): there the list would name no rule, and every job would go to the cluster."""
    names = set()
    for path in RULES.glob("*.smk"):
        text = path.read_text()
        assert not re.search(r"^localrules:", text, re.M), f"{path.name}: mark the rule `localrule: True` instead"
        names |= set(re.findall(r"^rule (\w+):\n(?:    .*\n|\n)*?    localrule: True\n", text, re.M))
    return names


def import_lines(path):
    """The module-level import statements of a Python file, as source."""
    tree = ast.parse(path.read_text())
    return [ast.unparse(node) for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]


# One process: the libraries every kind of job shares are imported once, then each job's imports run in
# a forked child (a fresh process per job costs about 1 CPU-s of pandas and matplotlib imports).
IMPORTS_TORCH = """
import json, os, sys
sys.path.insert(0, sys.argv[1])
import matplotlib, numpy, pandas
assert "torch" not in sys.modules
for lines in json.loads(sys.stdin.read()):
    pid = os.fork()
    if pid == 0:
        exec(lines)
        os._exit(3 if "torch" in sys.modules else 0)
    print(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
"""


def imports_torch(jobs):
    """{name: whether the import lines of job `name` import torch}."""
    done = subprocess.run([sys.executable, "-c", IMPORTS_TORCH, str(ROOT / "workflow")],
                          input=json.dumps(["\n".join(lines) for lines in jobs.values()]),
                          capture_output=True, text=True, cwd=ROOT)
    codes = [int(code) for code in done.stdout.split()]
    assert done.returncode == 0 and set(codes) <= {0, 3}, done.stderr[-3000:]
    return dict(zip(jobs, [code == 3 for code in codes], strict=True))


def test_every_local_rule_has_a_script_and_the_network_rules_are_local():
    assert local_rules() <= rule_scripts().keys()
    assert NEEDS_THE_SUBMIT_HOST.keys() <= local_rules()


@pytest.mark.slow  # about 17 CPU-s of imports
def test_a_job_runs_on_the_submitting_host_exactly_when_it_imports_no_torch():
    scripts = rule_scripts()
    templates = [line for page in sorted((ROOT / "workflow" / "notebooks").glob("*.py")) for line in import_lines(page)]
    torch = imports_torch({name: import_lines(ROOT / "workflow" / "scripts" / script)
                           + (templates if name == "render_notebook" else []) for name, script in scripts.items()})
    assert {name for name, imported in torch.items() if not imported} == local_rules()
    # the measurement tells the two kinds apart: training and checks import torch
    assert torch["train_fold"] and torch["check_gradients"] and not torch["fetch_file"]
