"""The report pages' generated sentences and tables, on hand-made frames whose answers are known."""

import math

import numpy as np
import pandas as pd
import pytest
from initlab import report


def test_beside_reference_aligns_keys_and_subtracts():
    frame = report.beside_reference({1: 0.05, 2: 0.0002}, {1: 0.04279, 2: 0.000162, 3: 0.000051})
    assert list(frame.index) == [1, 2, 3]
    assert frame.loc[1, "difference"] == pytest.approx(0.05 - 0.04279)
    assert math.isnan(frame.loc[3, "ours"]) and math.isnan(frame.loc[3, "difference"])


def test_sci_switches_to_exponents_outside_readable_magnitudes():
    assert report.sci(3.4e25) == "3.4e+25" and report.sci(2.07e-10) == "2.1e-10"
    assert report.sci(0.1703) == "0.17" and report.sci(0) == "0" and report.sci(float("nan")) == "n/a"


def test_count_agrees_the_noun_with_the_number():
    assert report.count(1, "trial") == "1 trial" and report.count(3, "trial") == "3 trials"
    assert report.count(0, "epoch") == "0 epochs" and report.count(2, "coarse trial") == "2 coarse trials"
    assert report.count(1, "child", "children") == "1 child" and report.count(2, "child", "children") == "2 children"


def test_rough_writes_magnitudes_as_the_notes_do():
    assert [report.rough(v) for v in (4.07e17, 2e-10, 1e25, 1e-7, 1e-3)] == ["4e17", "2e-10", "1e25", "1e-7", "1e-3"]


def test_flat_config_gives_one_row_per_leaf_with_dotted_keys():
    rows = report.flat_config({"device": "auto", "initializers": {"seeds": [0, 1], "mlp": {"hidden": [64]}},
                               "empty": {}})
    assert rows == [("device", '"auto"'), ("initializers.seeds", "[0, 1]"), ("initializers.mlp.hidden", "[64]"),
                    ("empty", "{}")]


def test_mlp_text_names_every_layer_size_the_activation_dropout_batches_and_images():
    study = {"hidden": [256, 128], "activation": "relu", "dropout": 0.2, "batch_size": 100, "epochs": 2}
    assert report.mlp_text(study) == ("MLP 784-256-128-10 with relu and dropout 0.2, batches of 100, 2 epochs on "
                                      "all 48000 training images")
    assert report.mlp_text({**study, "train_samples": 600}).endswith("2 epochs on 600 training images")
    assert report.mlp_text({}).startswith("MLP 784-10 with n/a and dropout n/a")



def test_styled_tables_escape_cells_index_and_headers():
    frame = pd.DataFrame({"<b>col</b>": ["<script>alert(1)</script>", 1.5]},
                         index=pd.Index(['<img src=x onerror="alert(2)">', "plain"], name="key"))
    page = report.styled(frame, precision=2).to_html()
    assert "<script>" not in page and "<img" not in page and "<b>col" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&lt;img src=x onerror=&#34;alert(2)&#34;&gt;" in page
    assert "1.50" in page


def test_setup_page_makes_a_plain_styler_escape():
    """The option covers a Styler without its own .format call (pandas applies it to the default formatter
    only: a page that formats uses `styled`)."""
    report.setup_page()
    page = pd.DataFrame({"v": ["</script><script>x()</script>"]}).style.to_html()
    assert "</script><script>" not in page and "&lt;/script&gt;&lt;script&gt;" in page


def test_markdown_table_escapes_html_and_pipes():
    frame = pd.DataFrame({"key": ["a|b", "<script>"], "value": ["x\ny", "onerror=1"]}).set_index("key")
    text = report.markdown_table(frame)
    assert text.splitlines() == ["| key | value |", "|---|---|", "| a&#124;b | x y |", "| &lt;script&gt; | onerror=1 |"]


def test_captions_render_no_free_text_config_value():
    """The report embeds each rendered caption in a <script> block as JSON (snakemake's html_reporter), and
    docutils honours `.. raw:: html` in a caption: a free-text config value rendered into one could close the
    block. Every config value a caption renders must be a closed set (enum) or a number in the schema."""
    import re
    from pathlib import Path

    import yaml

    root = Path(__file__).resolve().parents[2]
    schema = yaml.safe_load((root / "workflow/schemas/config.schema.yaml").read_text())
    captions = sorted((root / "workflow/report").glob("*.rst"))
    used = {(path.name, m) for path in captions
            for m in re.findall(r"snakemake\.config((?:\[\"\w+\"\])+)", path.read_text())}
    for name, keys in used:
        node = schema
        for key in re.findall(r"\w+", keys):
            node = node["properties"][key]
            node = schema.get("$defs", {}).get(node["$ref"].split("/")[-1], node) if "$ref" in node else node
        assert "enum" in node or node.get("type") in ("number", "integer"), (name, keys, node)
    assert {name for name, _ in used} == {"workflow.rst", "search_trials.rst"}  # device, edge_tolerance


def test_mlp_text_says_one_epoch_in_the_singular():
    text = report.mlp_text({"epochs": 1, "hidden": [8]})
    assert text.endswith("batches of n/a, 1 epoch on all 48000 training images")


def test_glance_counts_agreements_and_joins_the_reasons_of_the_others():
    rows = [("a", "1", "1", "yes", ""), ("b", "2", "3", "no", "why b"), ("c", "x", "", "n/a", "advice")]
    assert report.glance(rows) == ("1 of 2 agree", "no", "b: why b")
    assert report.glance(rows[:1] + rows[2:]) == ("1 of 1 agree", "yes", "")
    unsure = [rows[0], ("d", "?", "?", "cannot tell", "too few seeds")]
    assert report.glance(unsure) == ("1 of 2 agree, 1 cannot tell", "partly", "d: too few seeds")
    assert report.glance(rows[2:]) == ("no number to compare", "n/a", "")


def test_where_trained_counts_runs_per_device_and_flags_none():
    found = {"folds": pd.DataFrame({"device": ["cpu", "cpu", "cuda:0"]}),
             "optimizer runs": pd.DataFrame({"device": ["cuda:0", "cuda:0"], "seeds": [3, 2]})}
    text = report.where_trained(found, "auto")
    assert text.startswith("**Where the training ran** (the `device` each run recorded): cpu: 2 folds; cuda:0: "
                           "1 folds, 5 optimizer runs. The config asked for `device: auto`. ")
    assert text.endswith(report.TIMING_NOTE)
    assert report.where_trained({}, "auto") == "No training job's device is recorded on this page's inputs."
    assert "<b>" not in report.where_trained({"runs": pd.DataFrame({"device": ["<b>x"]})}, "auto")
