import pytest
from initlab.infra import devices


def test_one_kind_passes_and_names_it():
    records = [{"device": "cuda:0"}, {"device": "cuda:1"}]
    assert devices.check_one_kind(records, ["a.json", "b.json"], "train_optimizer") == "cuda"
    assert devices.check_one_kind([{"device": "cpu"}], ["a.json"], "train_optimizer") == "cpu"


def test_mixed_kinds_are_refused_naming_a_file_of_each_and_the_rerun():
    records = [{"device": "cpu"}, {"device": "cpu"}, {"device": "cuda:0"}]
    with pytest.raises(devices.MixedDevices) as error:
        devices.check_one_kind(records, ["s0.json", "s1.json", "s2.json"], "train_initializer")
    message = str(error.value)
    assert "s0.json ran on cpu" in message and "s2.json ran on cuda" in message
    assert "--forcerun train_initializer" in message
