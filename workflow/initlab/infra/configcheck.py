"""Config validation whose messages name the key: `config key 'data.retries': -1 is less than the minimum of 0`.

Snakemake's `validate` stops at the first error and names the key as `instance['data']['retries']`.
`config_errors` checks the same JSON schema and reports every error by its dotted key (unknown keys and
missing required keys each get their own line); the workflow then still calls Snakemake's `validate`,
which fills in the schema's defaults.

Snakemake merges a `--configfile` into config.yaml key by key, so such an overlay can add or change
the entries of a map (the optimizers compared, the gradient-checked models) but not remove one:
`drop_removed_entries` lets `name: null` remove it, in the maps the schema marks `x-null-removes: true`.
"""

import math
from pathlib import Path

import jsonschema
import yaml


class ConfigError(ValueError):
    """The config does not match the schema; the message lists every problem by key."""


def _key(path):
    return ".".join(str(part) for part in path) or "<top level>"


def _messages(error):
    path = list(error.absolute_path)
    if error.validator == "additionalProperties" and error.validator_value is False:
        allowed = sorted(error.schema.get("properties", {}))
        for name in sorted(set(error.instance) - set(allowed)):
            yield _key(path + [name]), f"unknown key; expected one of {allowed}"
    elif error.validator == "required":
        for name in error.validator_value:
            if name not in error.instance:
                yield _key(path + [name]), "required but missing"
    elif "propertyNames" in error.absolute_schema_path:
        # jsonschema checks a map's names with the inner keyword (pattern, enum, not...) at the map's path,
        # the name being the instance: name the entry itself
        yield _key(path + [error.instance]), f"not an allowed name ({error.message})"
    elif error.validator in ("oneOf", "anyOf"):
        # report the alternative whose type fits the value (e.g. a {model, initializer} map), if exactly one does
        branches = {}
        for sub in error.context:
            branches.setdefault(sub.schema_path[0], []).append(sub)
        fitting = [subs for subs in branches.values()
                   if not any(sub.validator in ("type", "const", "enum") and not sub.relative_path for sub in subs)]
        if len(fitting) == 1:
            for sub in fitting[0]:
                yield from _messages(sub)
        else:
            expected = f" (expected {error.schema['description']})" if "description" in error.schema else ""
            yield _key(path), f"{error.instance!r} is not valid{expected}"
    elif error.validator == "pattern" and "description" in error.schema:
        yield _key(path), f"{error.instance!r} is not {error.schema['description']}"
    else:
        yield _key(path), error.message


def _non_finite(value, path=()):
    """Keys holding NaN or infinity (YAML .nan, .inf): they pass every JSON-schema bound, since NaN
    compares False with everything."""
    if isinstance(value, float) and not math.isfinite(value):
        yield _key(path), f"{value} is not a finite number"
    elif isinstance(value, dict):
        for name, item in value.items():
            yield from _non_finite(item, path + (name,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _non_finite(item, path + (index,))


def config_errors(config, schema):
    """Every way `config` (a dict) violates `schema` (a dict), as 'config key ...: problem' lines, sorted."""
    validator = jsonschema.validators.validator_for(schema)(schema)
    problems = [pair for error in validator.iter_errors(config) for pair in _messages(error)]
    problems += _non_finite(config)
    return sorted({f"config key '{key}': {problem}" for key, problem in problems})


def drop_removed_entries(config, schema):
    """Delete, in place, the `name: null` entries of the maps `schema` marks `x-null-removes: true`
    (found through nested `properties`); return the dotted keys removed."""
    removed = []

    def walk(value, node, path):
        if not isinstance(value, dict) or not isinstance(node, dict):
            return
        if node.get("x-null-removes"):
            for name in [name for name, item in value.items() if item is None]:
                del value[name]
                removed.append(_key(path + [name]))
        for name, sub in node.get("properties", {}).items():
            if name in value:
                walk(value[name], sub, path + [name])

    walk(config, schema, [])
    return removed


def check_config(config, schema_path, *, config_name="config.yaml"):
    """Raise ConfigError listing every problem of `config` against the YAML schema at `schema_path`."""
    schema = yaml.safe_load(Path(schema_path).read_text())
    errors = config_errors(config, schema)
    if errors:
        raise ConfigError(f"Error validating config file {config_name}: {len(errors)} problem(s)\n  "
                          + "\n  ".join(errors))
