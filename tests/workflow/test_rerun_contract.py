"""The rerun contract, for every key: a changed setting reruns exactly what it affects.

Generated from the config and the schema, not from hand-picked keys: after one complete run of a small
configuration (quick.yaml with every map entry of config.yaml kept), each leaf of the resolved config is
changed (a) to another valid value and (b) to a value another key of its section already holds (the
change Snakemake's unnamed params record cannot see), and `snakemake -n` says what it would run. The
schema's `x-affects` declares which studies (rule files) each key may rerun (workflow/initlab/infra/affects.py):
  - a key declared [] schedules nothing;
  - any other key schedules jobs of its declared studies only, the page of each study with a scheduled
    job, and the overview page, which shows every such key; a study section's key schedules that study.
Slow (one small run, then two dry runs per key on two cores): see docs/development.md#the-rerun-contract.
"""

import copy
import json
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import jsonschema
import pytest
import yaml
from conftest import ROOT, copy_workflow
from initlab.infra.affects import declared, leaves, node, resolve
from snakemake.utils import update_config
from initlab.infra.configcheck import config_errors

pytestmark = pytest.mark.slow

SCHEMA = yaml.safe_load((ROOT / "workflow/schemas/config.schema.yaml").read_text())
STUDY_OF_RULE = {  # every rule, by the rule file that defines it; render_notebook is its page's
    name: path.stem
    for path in (ROOT / "workflow/rules").glob("*.smk")
    for name in re.findall(r"^(?:rule|checkpoint) (\w+):", path.read_text(), re.M)
}
PAGES = {"overview", "data", *STUDY_OF_RULE.values()}


def without_removals(value):
    """quick.yaml with its `name: null` removals dropped: small sizes, every entry of config.yaml."""
    if isinstance(value, dict):
        return {key: without_removals(item) for key, item in value.items() if item is not None}
    return value


QUICK = without_removals(yaml.safe_load((ROOT / "quick.yaml").read_text()))
RESOLVED = yaml.safe_load((ROOT / "config.yaml").read_text())
update_config(RESOLVED, QUICK)  # Snakemake's own --configfile merge


def get(config, path):
    for key in path:
        config = config[key]
    return config


def changed(config, path, value):
    out = copy.deepcopy(config)
    get(out, path[:-1])[path[-1]] = value
    return out


VALIDATOR = jsonschema.validators.validator_for(SCHEMA)(SCHEMA)


def ordinary_values(value, schema, names=()):
    """Candidate changes of a value, most ordinary first: other members of its enum, else by its type
    (`names`: the map keys of its section, which a string may have to name)."""
    alternatives = [schema, *(resolve(SCHEMA, a) for a in schema.get("oneOf", []) + schema.get("anyOf", []))]
    members = [m for alternative in alternatives for m in alternative.get("enum", [])]
    items = resolve(SCHEMA, schema.get("items", {}))
    if members:
        return [m for m in members if m != value]
    if isinstance(value, list) and "enum" in items:
        others = [m for m in items["enum"] if m not in value]
        return [v for v in (value[:-1], [*value, *others[:1]], [*value[:-1], *others[:1]]) if v]
    if isinstance(value, bool):
        return [not value]
    if isinstance(value, int):
        return [value + 1, value - 1, value * 2]
    if isinstance(value, float):
        return [value * 2, value / 2, value + 0.1]
    if isinstance(value, str):
        return [value[:-1] + ("1" if value[-1] == "0" else "0"), value + "x", *names]
    if isinstance(value, list):
        numbers = bool(value) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
        grown = [*value, value[-1] + 1] if numbers else None
        scaled = [*value[:-1], value[-1] * 2] if numbers else None  # e.g. a [low, high] range
        candidates = (value[:-1] if len(value) > 1 else None, grown, scaled, value[::-1], [*value, "x"])
        return [v for v in candidates if v]
    if value is None:
        return ["x", 1, 2, [1, 2], ["mlp"], ["linear", "mlp"], 0.5]
    return []


def valid_changes(path, values):
    """The resolved config with the key at `path` set to each of `values` the schema accepts, in order."""
    current = get(RESOLVED, path)
    for value in values:
        if value == current or isinstance(value, bool) != isinstance(current, bool):
            continue  # True == 1: not a change of a bool, nor of an int
        config = changed(RESOLVED, path, value)
        if VALIDATOR.is_valid(config) and not config_errors(config, SCHEMA):
            yield config


def colliding_values(path):
    """Values other keys of the key's section hold: with unnamed params, a change to one of them was invisible."""
    current = get(RESOLVED, path)
    others = [get(RESOLVED, p) for p in leaves(RESOLVED[path[0]], path[:1]) if p != path]
    return [v for v in others if type(v) is type(current) and v != current]


def cases():
    """(key path, kind, candidate configs) for every leaf of the resolved config: the first candidate that
    Snakemake accepts (parse-time checks, e.g. optimizers.scheduled naming a configured optimizer) is used."""
    out = []
    for path in leaves(RESOLVED):
        names = sorted({p[-2] for p in leaves(RESOLVED[path[0]], path[:1]) if len(p) > 2} - {path[-1]})
        values = ordinary_values(get(RESOLVED, path), node(SCHEMA, path), names)
        out.append((path, "ordinary", list(valid_changes(path, values))))
        collisions = list(valid_changes(path, colliding_values(path)))
        if collisions:
            out.append((path, "collision", collisions))
    return out


def scheduled(flow, config, name):
    """{study or page name: [rules]} of the jobs `snakemake -n` would run with `config`."""
    path = flow / f"{name}.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    done = subprocess.run([sys.executable, "-m", "snakemake", "-n", "--cores", "2", f"--configfile={path}"],
                          cwd=flow, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        return {"error": done.stdout[-3000:] + done.stderr[-3000:]}
    jobs = {}
    for block in re.split(r"\n(?=(?:local)?(?:rule|checkpoint) \w+:)", done.stdout):
        rule = re.match(r"(?:local)?(?:rule|checkpoint) (\w+):", block)
        if not rule or rule.group(1) == "all":
            continue
        page = re.search(r"wildcards: notebook=(\w+)", block)
        study = f"page:{page.group(1)}" if page else STUDY_OF_RULE[rule.group(1)]
        jobs.setdefault(study, []).append(rule.group(1))
    return jobs


def violations(path, kind, jobs):
    """What is wrong with `jobs` for a change of the key at `path` (empty when the contract holds). A
    colliding value the workflow refuses at parse time (a search range upside down) is no rerun question."""
    if "error" in jobs:
        return [] if kind == "collision" else [f"no ordinary change was accepted; the last dry run said: {jobs['error']}"]
    affects = declared(SCHEMA, path)
    if affects is None:
        return ["the schema declares no x-affects for it or an ancestor"]
    if affects == []:
        return [f"declared to affect no result, yet schedules {jobs}"] if jobs else []
    studies = {s for s in jobs if not s.startswith("page:")}
    pages = {s.removeprefix("page:") for s in jobs if s.startswith("page:")}
    problems = []
    if path[0] in PAGES and path[0] not in studies and path[0] not in pages:
        problems.append(f"no job of its study {path[0]} is scheduled: {jobs}")
    if not studies <= set(affects):
        problems.append(f"schedules studies {sorted(studies - set(affects))} beyond its x-affects {affects}")
    missing = {s for s in studies if s in PAGES} - pages
    if missing:
        problems.append(f"the pages of {sorted(missing)} are not rerun although their jobs are")
    if "overview" not in pages:
        problems.append("the overview page, which shows every result key, is not rerun")
    if not pages <= set(affects) | {"overview"}:
        problems.append(f"reruns pages {sorted(pages - set(affects) - {'overview'})} beyond its x-affects")
    return problems


@pytest.fixture(scope="module")
def contract_run(tmp_path_factory):
    flow = copy_workflow(tmp_path_factory.mktemp("contract") / "wf")
    # the whole resolved config, as every change below gives it: Snakemake puts a --configfile's keys first,
    # and a mapping's repr follows its key order
    (flow / "contract.yaml").write_text(yaml.safe_dump(RESOLVED, sort_keys=False))
    done = subprocess.run([sys.executable, "-m", "snakemake", "--cores", "2", "--configfile=contract.yaml"],
                          cwd=flow, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=1800)
    assert done.returncode == 0, done.stdout[-5000:]
    return flow


def test_every_leaf_has_a_declaration_and_a_valid_change():
    paths = list(leaves(RESOLVED))
    assert len(paths) > 150  # the whole config, map entries included
    undeclared = [p for p in paths if declared(SCHEMA, p) is None]
    assert not undeclared, f"keys without x-affects in the schema: {undeclared}"
    unchangeable = [path for path, kind, configs in cases() if kind == "ordinary" and not configs]
    assert not unchangeable, f"no valid change found for {unchangeable}: teach ordinary_values its type"


def first_accepted(flow, path, kind, configs):
    """What `snakemake -n` would run for the first of `configs` that Snakemake accepts."""
    jobs = {"error": "no candidate"}
    for index, config in enumerate(configs):
        jobs = scheduled(flow, config, f"{kind}-{'.'.join(map(str, path))}-{index}")
        if "error" not in jobs:
            break
    return jobs


def test_every_setting_change_reruns_exactly_what_it_affects(contract_run):
    unchanged = scheduled(contract_run, RESOLVED, "unchanged")
    assert unchanged == {}, f"the complete run is not up to date: {unchanged}"
    todo = [case for case in cases() if case[2]]
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda case: first_accepted(contract_run, *case), todo))
    report = {f"{'.'.join(map(str, path))} ({kind})": problems for (path, kind, _), jobs in zip(todo, results)
              if (problems := violations(path, kind, jobs))}
    (contract_run / "contract.json").write_text(json.dumps(report, indent=1))
    assert not report, f"{len(report)} of {len(todo)} changes break the rerun contract:\n" + json.dumps(report, indent=1)
