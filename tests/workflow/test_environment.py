"""The conda environment of the rules pins exactly what requirements.lock pins."""


import yaml
from conftest import ROOT


def lock_pins():
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==")
            pins[name.lower()] = version
    return pins


def test_conda_env_pins_match_the_lock():
    env = yaml.safe_load((ROOT / "workflow" / "envs" / "initlab.yaml").read_text())
    pip = next(item["pip"] for item in env["dependencies"] if isinstance(item, dict))
    lock = lock_pins()
    for requirement in pip:
        name, version = requirement.split("==")
        assert lock.get(name.lower()) == version, f"{name}: env pins {version}, lock pins {lock.get(name.lower())}"


def test_every_rule_declares_the_env():
    for rule_file in (ROOT / "workflow" / "rules").glob("*.smk"):
        text = rule_file.read_text()
        jobs = text.count("    script:") + text.count("    shell:")
        assert text.count('conda:\n        "../envs/initlab.yaml"') == jobs, rule_file.name


def test_torch_is_pinned_for_the_offline_cpu_wheel():
    assert lock_pins()["torch"] == "2.13.0"  # never +cpu: a CUDA machine must get the CUDA build
