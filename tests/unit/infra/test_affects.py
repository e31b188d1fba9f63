import pytest
import yaml
from conftest import ROOT
from initlab.infra import affects

SCHEMA = {
    "$defs": {"seed": {"type": "integer", "x-affects": ["seeded"]}},
    "properties": {
        "net": {"x-affects": [], "properties": {"timeout": {"type": "number"}}},
        "study": {
            "x-affects": ["study"],
            "properties": {"lr": {"type": "number"}, "seed": {"$ref": "#/$defs/seed"}},
            },
        "entries": {"x-affects": ["entries"], "additionalProperties": {"properties": {"url": {"x-affects": []}, "checksum": {}}}},
        "loose": {"type": "string"},
    },
}


def test_a_key_inherits_its_nearest_declaration():
    assert affects.declared(SCHEMA, ("study", "lr")) == ["study"]
    assert affects.declared(SCHEMA, ("study", "seed")) == ["seeded"]  # through $ref
    assert affects.declared(SCHEMA, ("net", "timeout")) == []
    assert affects.declared(SCHEMA, ("entries", "any_name", "url")) == []  # a map entry's own key
    assert affects.declared(SCHEMA, ("entries", "any_name")) == ["entries"]
    assert affects.declared(SCHEMA, ("loose",)) is None
    with pytest.raises(KeyError, match="study.nope"):
        affects.declared(SCHEMA, ("study", "nope"))


def test_result_config_drops_exactly_the_keys_declared_to_affect_nothing():
    config = {"net": {"timeout": 3}, "study": {"lr": 0.1, "seed": 0},
              "entries": {"a": {"url": "http://127.0.0.1/x", "checksum": "md5:0"}}, "loose": "s"}
    assert affects.result_config(config, SCHEMA) == {
        "study": {"lr": 0.1, "seed": 0}, "entries": {"a": {"checksum": "md5:0"}}, "loose": "s"}


def test_leaves_are_values_and_lists_not_non_empty_maps():
    assert list(affects.leaves({"a": {"b": 1, "c": [1, 2]}, "d": {}})) == [("a", "b"), ("a", "c"), ("d",)]


def test_every_key_of_config_yaml_is_declared():
    schema = yaml.safe_load((ROOT / "workflow/schemas/config.schema.yaml").read_text())
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    assert [p for p in affects.leaves(config) if affects.declared(schema, p) is None] == []
    shown = affects.result_config(config, schema)
    assert "timeout" not in shown["data"] and "jobs_per_gpu" not in shown and "lr" in shown["house_prices"]
