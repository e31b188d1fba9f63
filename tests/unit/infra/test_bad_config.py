"""Bad config: every key of the schema, given values of the wrong type, out of range, of an unknown name,
an empty list, or an unknown key, is rejected before any job runs, with the key named.

The table is generated from the schema itself, so a study that adds a config section is covered too;
a few hand-written cases (missing checksum, bad checksum, unknown section) complete it. In process (about 700
cases, seconds): the fast suite. tests/faults/test_bad_config.py runs snakemake on two of them.
"""

import copy
import re

import jsonschema
import pytest
import yaml
from conftest import ROOT
from initlab.infra.configcheck import ConfigError, check_config, config_errors

SCHEMA_PATH = ROOT / "workflow" / "schemas" / "config.schema.yaml"
SCHEMA = yaml.safe_load(SCHEMA_PATH.read_text())
CONFIG = yaml.safe_load((ROOT / "config.yaml").read_text())
A_FILE = "kaggle_house_pred_train.csv"


def resolve(node):
    while "$ref" in node:
        node = SCHEMA["$defs"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def rejects(node, value):
    return not jsonschema.validators.validator_for(SCHEMA)({**node, "$defs": SCHEMA["$defs"]}).is_valid(value)


def bad_values(node):
    """(label, value) pairs that `node` (a resolved schema) must reject."""
    for combinator in ("oneOf", "anyOf"):
        if combinator in node:  # e.g. null or a positive integer: what every branch rejects
            seen = []
            for branch in node[combinator]:
                for label, value in bad_values(resolve(branch)):
                    if value not in seen and rejects(node, value):
                        seen.append(value)
                        yield label, value
            return
    kind = node.get("type")
    if kind in ("integer", "number"):
        yield "wrong type", "three"
        if kind == "integer":
            yield "not an integer", 1.5
        for bound, delta in (("minimum", -1), ("exclusiveMinimum", 0), ("maximum", 1), ("exclusiveMaximum", 0)):
            if bound in node:
                yield f"out of range ({bound} {node[bound]})", node[bound] + delta
    elif kind == "string":
        yield "wrong type", 5
        if "enum" in node:
            yield "unknown name", "no_such_name"
        if "pattern" in node:  # markup and a space: outside every pattern of the schema, checked here
            bad = "<not matching!>"
            assert not re.search(node["pattern"], bad), f"{bad!r} matches {node['pattern']!r}; pick another"
            yield "bad format", bad
        if "minLength" in node:
            yield "empty string", ""
    elif kind == "boolean":
        yield "wrong type", "yes"
    elif kind == "array":
        yield "wrong type", "a string"
        if node.get("minItems", 0) > 0:
            yield "empty list", []
        item = resolve(node.get("items", {}))
        for label, value in bad_values(item):
            if label != "wrong type" or item.get("type") not in (None, "array"):
                yield f"item: {label}", [value]
        if node.get("uniqueItems"):
            example = item.get("enum", [1])[0]
            yield "duplicates", [example, example]
    elif kind == "object":
        yield "wrong type", 5
        if node.get("additionalProperties") is False:
            yield "unknown key", "UNKNOWN_KEY"
        if "propertyNames" in node:
            yield "bad name", "BAD_NAME"


def cases(node=SCHEMA, path=()):
    """(dotted key, path, label, value) for every key in the schema, depth first."""
    node = resolve(node)
    for label, value in bad_values(node):
        if path:
            yield path, label, value
    properties = dict(node.get("properties", {}))
    if isinstance(node.get("additionalProperties"), dict):  # a map of free names: check its first entry
        names = list(lookup(CONFIG, path) or {}) or ["an_entry"]
        properties[names[0]] = node["additionalProperties"]
    for name, child in properties.items():
        yield from cases(child, path + (name,))


def lookup(config, path):
    for part in path:
        if not isinstance(config, dict) or part not in config:
            return None
        config = config[part]
    return config


def with_value(path, value):
    """CONFIG with `value` at `path` (sections missing from config.yaml are created); UNKNOWN_KEY adds a key."""
    config = copy.deepcopy(CONFIG)
    parent = config
    for part in path[:-1]:
        parent = parent.setdefault(part, {})
    if value in ("UNKNOWN_KEY", "BAD_NAME"):
        if not isinstance(parent.get(path[-1]), dict):  # e.g. `submission: best`, where a map is also allowed
            parent[path[-1]] = {}
        parent = parent[path[-1]]
        parent["no_such_key" if value == "UNKNOWN_KEY" else "bad name!"] = {}
    else:
        parent[path[-1]] = value
    return config


CASES = list(cases())


def test_the_table_covers_every_section():
    top = {path[0] for path, _, _ in CASES}
    assert top == set(SCHEMA["properties"]) and len(CASES) > 20


def test_the_committed_config_is_valid():
    assert config_errors(CONFIG, SCHEMA) == []


@pytest.mark.parametrize("path, label, value", CASES,
                         ids=[f"{'.'.join(p)}-{label}" for p, label, _ in CASES])
def test_every_bad_value_is_rejected_naming_its_key(path, label, value):
    key = ".".join(path)
    lines = config_errors(with_value(path, value), SCHEMA)  # the lines check_config raises with
    assert lines, f"{key}={value!r} accepted"
    for line in lines:  # every complaint is about this key (or, for containers, a key inside it)
        assert line.strip().startswith(f"config key '{key}"), f"{key}={value!r}: {line}"
    if value == "UNKNOWN_KEY":
        assert any(f"config key '{key}.no_such_key': unknown key; expected one of" in line for line in lines)


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda c: c["data"]["files"][A_FILE].pop("checksum"),
         f"config key 'data.files.{A_FILE}.checksum': required but missing"),
        (lambda c: c["data"]["files"][A_FILE].update(checksum="sha1:abc"),
         f"config key 'data.files.{A_FILE}.checksum': 'sha1:abc' is not published checksum as algorithm:hex"),
        (lambda c: c["data"]["files"][A_FILE].update(checksum="crc32:" + "0" * 8), "crc32"),
        (lambda c: c["data"]["files"].pop(A_FILE), f"config key 'data.files.{A_FILE}': required but missing"),
        (lambda c: c["data"].pop("files"), "config key 'data.files': required but missing"),
        (lambda c: c.update(no_such_study={}), "config key 'no_such_study': unknown key; expected one of"),
    ],
    ids=["missing-checksum", "short-checksum", "unknown-algorithm", "missing-file", "missing-files", "unknown-section"],
)
def test_hand_written_cases(edit, message):
    config = copy.deepcopy(CONFIG)
    edit(config)
    with pytest.raises(ConfigError, match="Error validating config file config.yaml") as error:
        check_config(config, SCHEMA_PATH)
    assert message in str(error.value)


def test_all_problems_are_listed_at_once():
    config = with_value(("data", "retries"), -1)
    config["device"] = "tpu"
    errors = config_errors(config, SCHEMA)
    assert errors == ["config key 'data.retries': -1 is less than the minimum of 0",
                      "config key 'device': 'tpu' is not one of ['auto', 'cpu', 'cuda']"]


NUMBERS = [path for path, _, value in CASES if value == "three"]  # every numeric key (its "wrong type" case)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")], ids=["nan", "inf", "-inf"])
@pytest.mark.parametrize("path", NUMBERS, ids=[".".join(p) for p in NUMBERS])
def test_non_finite_numbers_are_rejected(path, value):
    """YAML's .nan passes every JSON-schema bound (NaN compares False): checked separately."""
    errors = config_errors(with_value(path, value), SCHEMA)
    assert f"config key '{'.'.join(path)}': {value} is not a finite number" in errors
