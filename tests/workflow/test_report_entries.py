"""workflow/report/entries.yaml: every report entry has a caption file, a place, and exactly one rule output."""

import re

import yaml
from conftest import ROOT

REPORT = ROOT / "workflow" / "report"
ENTRIES = yaml.safe_load((REPORT / "entries.yaml").read_text())
RULES = sorted((ROOT / "workflow" / "rules").glob("*.smk"))


def test_every_entry_has_its_caption_and_every_caption_an_entry():
    captions = {path.stem for path in REPORT.glob("*.rst")} - {"workflow"}  # workflow.rst: the report's front page
    assert set(ENTRIES) == captions


def test_places_name_only_what_report_takes():
    for caption, place in ENTRIES.items():
        assert "category" in place and set(place) <= {"category", "subcategory", "labels"}, caption
        assert all(isinstance(value, str) for value in place.get("labels", {}).values()), caption


def test_each_entry_marks_exactly_one_rule_output_and_rules_use_no_other_report_call():
    calls = [caption for path in RULES for caption in re.findall(r'\bentry\("[^"]+", "(\w+)"\)', path.read_text())]
    assert sorted(calls) == sorted(ENTRIES)
    direct = [path.name for path in RULES if path.name != "common.smk" and re.search(r"\breport\(", path.read_text())]
    assert direct == []
