"""Which studies each config key affects, as the schema declares it (`x-affects`).

A key's declaration is the `x-affects` list of the key itself or of its nearest ancestor in the schema
(following `properties`, map entries' `additionalProperties` and `$ref`): the studies (rule files) whose
jobs a change of that key may rerun. `[]` declares a key that changes no result (network settings, GPU
placement, the run-keeping names); such keys are not params of any job and no page shows them.
tests/workflow/test_rerun_contract.py changes every leaf of the config and checks the declaration
against what Snakemake would run.
"""


def resolve(schema, node):
    """`node` with a local `$ref` (#/$defs/...) replaced by its target, keeping node's own keys."""
    ref = node.get("$ref")
    if not ref:
        return node
    target = schema
    for part in ref.removeprefix("#/").split("/"):
        target = target[part]
    return {**target, **{k: v for k, v in node.items() if k != "$ref"}}


def _walk(schema, path):
    """The schema nodes, `$ref` resolved, from the root down to the config key at `path` (a tuple of
    keys; through `properties` and map entries' `additionalProperties`). KeyError when there is none."""
    found = schema
    yield found
    for key in path:
        extra = found.get("additionalProperties")
        found = found.get("properties", {}).get(key, extra if isinstance(extra, dict) else None)
        if found is None:
            raise KeyError(f"config key {'.'.join(map(str, path))}: not in the schema")
        found = resolve(schema, found)
        yield found


def node(schema, path):
    """The schema of the config key at `path`, `$ref` resolved (KeyError when the schema has none)."""
    *_, found = _walk(schema, path)
    return found


def declared(schema, path):
    """The studies that the config key at `path` (a tuple of keys) affects, or None when neither the key
    nor an ancestor declares `x-affects`. KeyError when the schema has no such key."""
    found = None
    for step in _walk(schema, path):
        found = step.get("x-affects", found)
    return None if found is None else list(found)


def leaves(config, path=()):
    """Every leaf key path of `config`: a value that is not a non-empty mapping (lists are leaves)."""
    if isinstance(config, dict) and config:
        for key, value in config.items():
            yield from leaves(value, (*path, key))
    else:
        yield path


def result_config(config, schema, path=()):
    """`config` without the leaves declared to affect no result, and without the maps left empty (what
    the overview page shows)."""
    kept = {}
    for key, value in config.items():
        here = (*path, key)
        if isinstance(value, dict) and value:
            if shown := result_config(value, schema, here):
                kept[key] = shown
        elif declared(schema, here) != []:
            kept[key] = value
    return kept
