"""The lock files under requirements/ and the rules' conda environment agree with each other and with
pyproject.toml: ranges in pyproject, exact versions in the locks, torch's build chosen by cpu.txt or
cuda.txt only, test tools and the SLURM plugin outside the runtime locks."""

import re
import tomllib

import yaml
from conftest import ROOT

REQUIREMENTS = ROOT / "requirements"
CPU_INDEX = "--extra-index-url https://download.pytorch.org/whl/cpu"


def lines(name):
    return [line.strip() for line in (REQUIREMENTS / name).read_text().splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def pins(name):
    found = {}
    for line in lines(name):
        if "==" in line:
            package, version = line.split("==")
            found[re.sub(r"[-_.]+", "-", package.lower())] = version
    return found


def test_conda_env_pins_match_the_locks():
    """The env is what cuda.txt installs: base.txt's versions, PyPI's torch (CUDA on Linux)."""
    env = yaml.safe_load((ROOT / "workflow" / "envs" / "initlab.yaml").read_text())
    pip = next(item["pip"] for item in env["dependencies"] if isinstance(item, dict))
    lock = {**pins("base.txt"), **pins("cuda.txt")}
    for requirement in pip:
        name, version = requirement.split("==")
        name = re.sub(r"[-_.]+", "-", name.lower())
        assert lock.get(name) == version, f"{name}: env pins {version}, locks pin {lock.get(name)}"


def test_every_rule_declares_the_env():
    for rule_file in (ROOT / "workflow" / "rules").glob("*.smk"):
        text = rule_file.read_text()
        jobs = text.count("    script:") + text.count("    shell:")
        assert text.count('conda:\n        "../envs/initlab.yaml"') == jobs, rule_file.name


def test_cpu_and_cuda_locks_differ_only_in_torchs_build():
    cpu, cuda = lines("cpu.txt"), lines("cuda.txt")
    torch = pins("cuda.txt")["torch"]
    assert "+" not in torch  # PyPI's torch: the CUDA build on Linux, with its nvidia-* libraries
    assert pins("cpu.txt")["torch"] == f"{torch}+cpu"  # only PyTorch's CPU index has it: no CUDA fallback
    assert CPU_INDEX in cpu and not any(line.startswith("--") for line in cuda)
    assert "-r base.txt" in cpu and "-r base.txt" in cuda and len(cpu) == 3 and len(cuda) == 2


def test_runtime_lock_holds_no_test_tools_no_slurm_plugin_and_no_torch():
    base, dev, slurm = pins("base.txt"), pins("dev.txt"), pins("slurm.txt")
    for tool in ["pytest", "snakefmt", "black", "snakemake-executor-plugin-slurm"]:
        assert tool not in base, tool
    assert {"pytest", "snakefmt", "black"} <= dev.keys()
    assert {"snakemake-executor-plugin-slurm", "snakemake-executor-plugin-slurm-jobstep"} <= slurm.keys()
    for name, lock in [("base.txt", base), ("dev.txt", dev), ("slurm.txt", slurm)]:
        # torch's build is cpu.txt's or cuda.txt's choice, so these go on top of either
        assert "torch" not in lock and not any(p.startswith("nvidia") for p in lock), name
        assert not any(line.startswith("--") for line in lines(name)), name
    for package, version in {**dev, **slurm}.items():
        assert base.get(package, version) == version, f"{package}: {version} here, {base[package]} in base.txt"


def test_pyproject_has_ranges_and_the_locks_its_extras():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for requirement in project["dependencies"]:
        assert "==" not in requirement, requirement  # exact versions belong in requirements/
    extras = project["optional-dependencies"]
    assert [r.split(">")[0] for r in extras["slurm"]] == ["snakemake-executor-plugin-slurm"]
    assert not any(r.startswith("snakemake-executor-plugin") for r in project["dependencies"])
    assert {r.split(">")[0] for r in extras["dev"]} <= pins("dev.txt").keys()
