"""The params diff of two runs (runs.compare.params_diff) for any two nested configs (hypothesis): exactly
the leaf keys whose values differ, a key on one side only as an empty cell, swapping the runs swaps the
columns. Leaves: scalars, lists and empty maps, as compare.flatten defines them."""

import json

from hypothesis import given
from hypothesis import strategies as st
from initlab.runs.compare import params_diff

NAMES = st.sampled_from(["a", "b", "lr", "folds", "seeds", "x_1"])  # few names: the two sides share keys
# no booleans and no floats: Python's True == 1 == 1.0 would make a changed type compare equal
LEAVES = st.one_of(st.none(), st.integers(-3, 3), st.sampled_from(["", "relu", "sgd"]),
                   st.lists(st.integers(0, 3), max_size=3), st.just({}))
CONFIGS = st.recursive(LEAVES, lambda children: st.dictionaries(NAMES, children, min_size=1, max_size=4),
                       max_leaves=12).filter(lambda c: isinstance(c, dict))


def leaves(config, path=()):
    """{dotted key: value} by walking the nesting (the oracle of compare.flatten)."""
    out = {}
    for key, value in config.items():
        if isinstance(value, dict) and value:
            out.update(leaves(value, path + (key,)))
        else:
            out[".".join(path + (key,))] = value
    return out


def text(value):
    return "" if value is None else json.dumps(value) if isinstance(value, (list, dict)) else str(value)


def run(config):
    return {"config": config, "code": {"commit": "abc", "dirty": False}}


@given(CONFIGS, CONFIGS)
def test_exactly_the_differing_leaves_sorted_with_one_sided_keys_empty(baseline, current):
    a, b = leaves(baseline), leaves(current)
    expected = [{"key": k, "baseline": text(a.get(k)), "current": text(b.get(k))}
                for k in sorted(a.keys() | b.keys()) if k not in a or k not in b or a[k] != b[k]]
    assert params_diff(baseline=run(baseline), current=run(current)).to_dict("records") == expected


@given(CONFIGS, CONFIGS)
def test_swapping_the_runs_swaps_the_columns(baseline, current):
    forward = params_diff(baseline=run(baseline), current=run(current))
    backward = params_diff(baseline=run(current), current=run(baseline))
    assert forward["key"].tolist() == backward["key"].tolist()
    assert forward["baseline"].tolist() == backward["current"].tolist()
    assert forward["current"].tolist() == backward["baseline"].tolist()


@given(CONFIGS)
def test_a_run_against_itself_or_an_empty_map(config):
    assert params_diff(baseline=run(config), current=run(config)).empty
    removed = params_diff(baseline=run(config), current=run({}))
    assert removed["key"].tolist() == sorted(leaves(config)) and set(removed["current"]) <= {""}


@given(CONFIGS, st.integers(0, 9))
def test_an_added_nested_key_is_one_row_with_an_empty_baseline(config, value):
    current = json.loads(json.dumps(config))
    current.setdefault("new_section", {})
    if not isinstance(current["new_section"], dict):
        current["new_section"] = {}
    current["new_section"]["added"] = value
    rows = params_diff(baseline=run(config), current=run(current)).to_dict("records")
    assert {"key": "new_section.added", "baseline": "", "current": str(value)} in rows
