"""One source of defaults: the schema's defaults are config.yaml's values, so deleting a key from
config.yaml changes nothing (the schema fills it in with the same value)."""

import copy

import yaml
from conftest import ROOT
from snakemake.utils import validate

SCHEMA = ROOT / "workflow/schemas/config.schema.yaml"


def differences(filled, config, path=()):
    if isinstance(filled, dict) and isinstance(config, dict):
        for key in filled.keys() | config.keys():
            here = (*path, key)
            if key not in filled:
                yield f"{'.'.join(here)}: in config.yaml, but the schema has no default"
            elif key not in config:
                yield f"{'.'.join(here)}: the schema's default {filled[key]!r} is not in config.yaml"
            else:
                yield from differences(filled[key], config[key], here)
    elif filled != config:
        yield f"{'.'.join(path)}: the schema's default {filled!r}, config.yaml {config!r}"


def test_the_schema_fills_in_exactly_config_yaml():
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    # only what the schema requires: the data files (their URLs and checksums have no defaults)
    filled = {"data": {"files": copy.deepcopy(config["data"]["files"])}}
    validate(filled, str(SCHEMA), set_default=True)
    assert sorted(differences(filled, config)) == []


def test_a_default_that_drifts_is_named():
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    drifted = copy.deepcopy(config)
    drifted["search"]["coarse"]["trials"] += 1
    assert list(differences(config, drifted)) == [
        f"search.coarse.trials: the schema's default {config['search']['coarse']['trials']}, "
        f"config.yaml {drifted['search']['coarse']['trials']}"
    ]
