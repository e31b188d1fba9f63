"""Config validation messages (initlab.infra.configcheck): every problem, one line each, named by its dotted key."""

import math

import pytest
import yaml
from conftest import ROOT
from initlab.infra.configcheck import ConfigError, check_config, config_errors, drop_removed_entries

SCHEMA = yaml.safe_load("""
type: object
additionalProperties: false
required: [data]
properties:
  device: {type: string, enum: [auto, cpu, cuda]}
  data:
    type: object
    additionalProperties: false
    required: [files]
    properties:
      retries: {type: integer, minimum: 0}
      backoff: {type: number, minimum: 0}
      files:
        type: object
        propertyNames: {pattern: "^[a-z.]+$"}
        additionalProperties:
          type: object
          required: [url]
          properties:
            url: {type: string, pattern: "^https?://", description: an http(s) URL}
  study:
    type: object
    additionalProperties: false
    properties:
      lr: {type: number, exclusiveMinimum: 0}
      seeds: {type: array, items: {type: integer, minimum: 0}}
      train_samples:
        oneOf: [{type: "null"}, {type: integer, minimum: 1}]
        description: null or a positive integer
""")

GOOD = {"device": "cpu", "data": {"retries": 2, "files": {"a.csv": {"url": "http://127.0.0.1/a.csv"}}},
        "study": {"lr": 0.1, "seeds": [0, 1], "train_samples": None}}


def with_values(**changes):
    """GOOD with dotted keys replaced, e.g. with_values(**{"data.retries": -1})."""
    config = yaml.safe_load(yaml.safe_dump(GOOD))
    for dotted, value in changes.items():
        *path, last = dotted.split(".")
        node = config
        for part in path:
            node = node[part]
        node[last] = value
    return config


def test_a_valid_config_has_no_errors():
    assert config_errors(GOOD, SCHEMA) == []


@pytest.mark.parametrize("key, value, message", [
    ("data.retries", -1, "config key 'data.retries': -1 is less than the minimum of 0"),
    ("data.retries", "3", "config key 'data.retries': '3' is not of type 'integer'"),
    ("device", "gpu", "config key 'device': 'gpu' is not one of ['auto', 'cpu', 'cuda']"),
    ("study.lr", 0, "config key 'study.lr': 0 is less than or equal to the minimum of 0"),
    ("study.seeds", [0, -2], "config key 'study.seeds.1': -2 is less than the minimum of 0"),
    ("study.train_samples", 0, "config key 'study.train_samples': 0 is less than the minimum of 1"),
    ("study.train_samples", "all",
     "config key 'study.train_samples': 'all' is not valid (expected null or a positive integer)"),
])
def test_each_bad_value_is_named_by_its_dotted_key(key, value, message):
    assert config_errors(with_values(**{key: value}), SCHEMA) == [message]


def test_a_pattern_with_a_description_says_what_was_expected():
    config = with_values()
    config["data"]["files"]["a.csv"]["url"] = "ftp://x/a.csv"
    assert config_errors(config, SCHEMA) == ["config key 'data.files.a.csv.url': 'ftp://x/a.csv' is not an http(s) URL"]


def test_unknown_and_missing_keys_each_get_a_line():
    config = with_values()
    config["data"] = {"retry": 3, "timeout": 1}  # two unknown keys, and files is missing
    config["extra"] = True
    assert config_errors(config, SCHEMA) == [
        "config key 'data.files': required but missing",
        "config key 'data.retry': unknown key; expected one of ['backoff', 'files', 'retries']",
        "config key 'data.timeout': unknown key; expected one of ['backoff', 'files', 'retries']",
        "config key 'extra': unknown key; expected one of ['data', 'device', 'study']",
    ]


def test_missing_top_level_section_and_a_non_mapping_config():
    assert config_errors({}, SCHEMA) == ["config key 'data': required but missing"]
    assert config_errors([], SCHEMA) == ["config key '<top level>': [] is not of type 'object'"]


def bad_name_errors():
    config = with_values()
    config["data"]["files"]["Bad Name"] = {"url": "http://127.0.0.1/b"}
    return config_errors(config, SCHEMA)


def test_a_disallowed_property_name_gets_its_own_key():
    assert bad_name_errors() == ["config key 'data.files.Bad Name': not an allowed name ('Bad Name' does not match "
                                 "'^[a-z.]+$')"]


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_non_finite_numbers_pass_json_bounds_but_are_reported(value):
    config = with_values(**{"study.lr": value, "data.backoff": value})
    errors = config_errors(config, SCHEMA)
    assert f"config key 'study.lr': {value} is not a finite number" in errors
    assert f"config key 'data.backoff': {value} is not a finite number" in errors


def test_every_problem_is_reported_sorted_and_once():
    config = with_values(**{"data.retries": -1, "device": "gpu", "study.seeds": [-1, -1]})
    assert config_errors(config, SCHEMA) == sorted([
        "config key 'data.retries': -1 is less than the minimum of 0",
        "config key 'device': 'gpu' is not one of ['auto', 'cpu', 'cuda']",
        "config key 'study.seeds.0': -1 is less than the minimum of 0",
        "config key 'study.seeds.1': -1 is less than the minimum of 0",
    ])


def test_check_config_raises_with_the_count_the_file_name_and_every_line(tmp_path):
    schema_path = tmp_path / "schema.yaml"
    schema_path.write_text(yaml.safe_dump(SCHEMA))
    assert check_config(GOOD, schema_path) is None
    config = with_values(**{"data.retries": -1, "device": "gpu"})
    with pytest.raises(ConfigError) as error:
        check_config(config, schema_path, config_name="my.yaml")
    assert isinstance(error.value, ValueError)
    assert str(error.value) == ("Error validating config file my.yaml: 2 problem(s)\n"
                                "  config key 'data.retries': -1 is less than the minimum of 0\n"
                                "  config key 'device': 'gpu' is not one of ['auto', 'cpu', 'cuda']")


def test_the_workflow_schema_names_a_bad_key_of_the_shipped_config():
    schema = yaml.safe_load((ROOT / "workflow" / "schemas" / "config.schema.yaml").read_text())
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    assert config_errors(config, schema) == []
    config["data"]["retries"] = -1
    config["jobs_per_gpu"] = 0
    assert config_errors(config, schema) == ["config key 'data.retries': -1 is less than the minimum of 0",
                                             "config key 'jobs_per_gpu': 0 is less than the minimum of 1"]


# ---- `name: null` removes an entry of the maps the schema marks x-null-removes ----

REMOVABLE = yaml.safe_load("""
type: object
properties:
  study:
    type: object
    properties:
      runs: {type: object, x-null-removes: true, minProperties: 1}
      kept: {type: object}
      train_samples: {oneOf: [{type: "null"}, {type: integer}]}
""")


def test_null_removes_an_entry_only_of_a_marked_map():
    config = {"study": {"runs": {"sgd": {"lr": 0.1}, "adam": None, "rmsprop": None},
                        "kept": {"a": None}, "train_samples": None}}
    assert drop_removed_entries(config, REMOVABLE) == ["study.runs.adam", "study.runs.rmsprop"]
    # the marked map loses its null entries; a null elsewhere (a map not marked, a plain key) stays a value
    assert config == {"study": {"runs": {"sgd": {"lr": 0.1}}, "kept": {"a": None}, "train_samples": None}}
    assert drop_removed_entries(config, REMOVABLE) == []


def test_a_marked_map_given_as_another_type_is_left_to_the_schema():
    """A list or a string where the schema wants a map is not walked (the schema then names the key)."""
    for bad in (["sgd", None], "sgd"):
        config = {"study": {"runs": bad, "kept": {}}}
        assert drop_removed_entries(config, REMOVABLE) == [] and config["study"]["runs"] == bad
    assert drop_removed_entries({"study": "all"}, REMOVABLE) == []


def test_removing_every_entry_is_still_an_error_of_the_schema():
    config = {"study": {"runs": {"sgd": None}}}
    drop_removed_entries(config, REMOVABLE)
    assert config_errors(config, REMOVABLE) == ["config key 'study.runs': {} should be non-empty"]


def test_quick_yaml_merged_as_snakemake_merges_it_is_a_valid_small_config():
    """quick.yaml, the README's first run, merged into config.yaml key by key (snakemake.utils.update_config,
    what --configfile does), keeps two optimizers and one schedule and passes the real schema."""
    from snakemake.utils import update_config

    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    update_config(config, yaml.safe_load((ROOT / "quick.yaml").read_text()))
    schema_path = ROOT / "workflow" / "schemas" / "config.schema.yaml"
    removed = drop_removed_entries(config, yaml.safe_load(schema_path.read_text()))
    assert "optimizers.optimizers.adam" in removed and "gradient_check.models.house_mlp" in removed
    check_config(config, schema_path)
    assert sorted(config["optimizers"]["optimizers"]) == ["momentum", "sgd"]
    assert list(config["optimizers"]["schedules"]) == ["step"]
    assert sorted(config["gradient_check"]["models"]) == ["fashion_mlp", "house_linear", "planted_wrong_tanh"]
    assert config["house_prices"]["folds"] == 2 and config["initializers"]["seeds"] == [0, 1, 2]


# ---- non-finite numbers anywhere (hypothesis): maps, lists, lists of maps, at any depth ----

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

FINITE = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
                   st.text(max_size=3))
ANY_NUMBER = st.one_of(FINITE, st.sampled_from([math.nan, math.inf, -math.inf]))
NESTED = st.recursive(ANY_NUMBER, lambda children: st.one_of(
    st.lists(children, max_size=3), st.dictionaries(st.sampled_from(["a", "b", "lr", "seeds"]), children, max_size=3)),
    max_leaves=10)


def non_finite_keys(value, path=()):
    """Dotted keys of the non-finite floats in `value`, list positions as numbers (the oracle)."""
    if isinstance(value, float):
        return [] if math.isfinite(value) else [(".".join(map(str, path)), value)]
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    return [found for key, item in items for found in non_finite_keys(item, path + (key,))]


@given(st.dictionaries(st.sampled_from(["study", "data", "device"]), NESTED, max_size=3))
def test_every_non_finite_number_is_reported_by_its_key_wherever_it_is(config):
    """An empty schema accepts everything: the only lines are the non-finite ones, one per key."""
    expected = sorted({f"config key '{key}': {value} is not a finite number" for key, value in non_finite_keys(config)})
    assert config_errors(config, {}) == expected


# ---- the alternatives of oneOf / anyOf, maps with no named keys, a const of false ----

CHOICES = yaml.safe_load("""
type: object
properties:
  workers:   # a name or a count: a number is judged as a count, a string as a name
    oneOf: [{enum: [auto, all]}, {type: integer, minimum: 1}]
  threads:
    anyOf: [{const: auto}, {type: integer, minimum: 1}]
    description: auto or a positive integer
  limit:     # two alternatives the value's type fits, and no description
    oneOf: [{type: integer, minimum: 10}, {type: integer, maximum: 2}]
  empty: {type: object, additionalProperties: false}
  dry_run: {const: false}
""")


@pytest.mark.parametrize("key, value, message", [
    # the enum / const alternative does not fit a number: the integer's own problem is reported
    ("workers", 0, "0 is less than the minimum of 1"),
    ("threads", 0, "0 is less than the minimum of 1"),
    # no alternative fits: the value and the description, if any
    ("threads", "many", "'many' is not valid (expected auto or a positive integer)"),
    ("limit", 5, "5 is not valid"),
    # a map with no allowed key at all
    ("empty", {"a": 1}, "config key 'empty.a': unknown key; expected one of []"),
    ("dry_run", True, "False was expected"),
])
def test_alternatives_empty_maps_and_constants_are_reported_by_key(key, value, message):
    expected = message if message.startswith("config key") else f"config key '{key}': {message}"
    assert config_errors({key: value}, CHOICES) == [expected]


def test_check_config_names_config_yaml_by_default(tmp_path):
    schema_path = tmp_path / "schema.yaml"
    schema_path.write_text(yaml.safe_dump(SCHEMA))
    with pytest.raises(ConfigError, match=r"^Error validating config file config\.yaml: 1 problem\(s\)\n"):
        check_config(with_values(**{"data.retries": -1}), schema_path)
