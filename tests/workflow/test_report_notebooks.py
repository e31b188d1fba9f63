"""The study pages: papermill notebooks rendered to HTML on a reduced run, their rerun contract and failure."""

import html
import json
import re

import pytest
from conftest import REPORT_PAGES

pytestmark = pytest.mark.slow  # a reduced run of every study, then the pages: minutes on 2 cores


def page_text(path):
    """The visible text of an HTML page: tags, styles and entities removed, whitespace collapsed."""
    source = re.sub(r"<(style|script)\b.*?</\1>", " ", path.read_text(), flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", source)).split())


def external_references(source):
    """src/href attributes that point anywhere but into the page itself (data: URIs, #anchors)."""
    return [ref for ref in re.findall(r'(?:src|href)\s*=\s*"([^"]*)"', source)
            if not ref.startswith(("data:", "#"))]


def test_data_page_shows_the_real_numbers(built_report):
    page = built_report.path / "results/notebooks/data.html"
    text = page_text(page)
    assert "331 features : 36 standardized numeric columns and 295 one-hot indicator columns" in text
    assert "This matches the 331 d2l printed" in text and "MasVnrType_None" in text
    assert re.search(r"train 1460 331 test 1459 331", text)
    assert "split 80%/20% into 48000 training and 12000 validation images (shuffle seed 0)" in text
    assert "the 10000 test images" in text and "total 48000 12000 10000" in text
    assert "import numpy" not in text and "def " not in text  # code cells are hidden
    source = page.read_text()
    assert "<title>initlab: data</title>" in source
    assert len(re.findall(r'<img [^>]*src="data:image/png;base64,', source)) == 2  # histogram, class images
    assert external_references(source) == [] and "<script" not in source  # nothing loaded from elsewhere


def test_overview_gathers_the_headline_numbers(built_report):
    text = page_text(built_report.path / "results/notebooks/overview.html")
    assert "At a glance" in text and "agrees with the notes?" in text
    assert "house prices: training houses x features 1460 x 331 1460 x 331 yes" in text
    assert "train / valid / test images 48000 / 12000 / 10000 48000 / 12000 / 10000 yes" in text
    # quick.yaml's settings are not the lesson's: a disagreement says so rather than "unexplained"
    assert re.search(r"zeros: validation accuracy %, dropout on \d+\.\d\d ± \d+\.\d\d \(3 seeds\) 9\.675 \(one run\) "
                     r"(yes|cannot tell|no our settings are not the lesson's \(epochs, train_samples\))", text)
    assert "general_rule: validation accuracy %" in text and "normal: validation" not in text  # not configured
    assert re.search(r"planted wrong tanh backward [1-9]\d* tensors flagged wrong flagged wrong yes", text)
    assert re.search(r"from scratch: loss after the last epoch 0\.\d{6} 0\.000051 (yes|no)", text)
    assert re.search(r"Momentum almost always converges faster than the plain update on deep networks momentum vs "
                     r"sgd: (agrees|disagrees|no difference found|identical|cannot tell)", text)
    assert re.search(r"best trial: mean k-fold valid log-RMSE \d\.\d{4} \(fine trial 0, 3 trials\) d2l linear 0\.1703; "
                     r"goal 0\.125 n/a", text)
    assert re.search(r"Where the training ran \(the device each run recorded\): cpu: 4 house prices folds, 9 "
                     r"initializer runs, 9 optimizer runs", text)
    assert "fashion_mnist.split_seed 0" in text  # the configuration in the appendix


def test_optimizer_page_judges_the_notes_claims(built_report):
    text = page_text(built_report.path / "results/notebooks/optimizers.html")
    # quick.yaml: sgd, momentum and sgd + step, three seeds, 2 epochs
    assert re.search(r"momentum vs sgd mean training loss over the epochs \(lower: converged faster\) \d\.\d{3} vs "
                     r"\d\.\d{3} [+-]\d\.\d{4} [\d.e-]+ (agrees|disagrees|no difference found)", text)
    assert "sgd + step vs sgd" in text and "rmsprop vs adagrad" not in text  # not configured
    # step_size 2 lowers the rate only after the second (last) epoch: the curves coincide and the page says so
    assert ("The last epoch's training loss against the constant rate, paired by seed: identical under "
            "sgd + step.") in text
    assert "sgd + step follows it throughout (rate never lowered)" in text
    assert re.search(r'comes out "differ" \d\.\d% of the time \(simulated, 5% nominal\): of 2 comparisons', text)
    assert re.search(r"Conclusion\. After 2 epochs the highest mean validation accuracy is (sgd|momentum|sgd \+ step) "
                     r"\(lr [\d.]+\): \d+\.\d% .* Of the 2 comparisons that test the notes' claims on the training "
                     r"loss, \d (agrees? with the notes|disagrees?|finds? no difference|gives? identical losses|"
                     r"cannot tell)", text)
    assert "usually one of 0.5, 0.9, 0.95, 0.99" in text
    assert len(re.findall(r'<img [^>]*src="data:image/png;base64,', (built_report.path /
               "results/notebooks/optimizers.html").read_text())) == 3


def test_initializer_page_compares_like_for_like_under_the_lessons_protocol(built_report):
    text = page_text(built_report.path / "results/notebooks/initializers.html")
    # quick.yaml: zeros, uniform and general_rule, 3 seeds each, all with a published number
    assert "Like for like: the lesson's protocol" in text and "published within our spread" in text
    verdicts = re.search(r"Measured as the lesson measured \(dropout on\), the published validation accuracy lies "
                         r"(.*?)\.(?: |$)", text)
    assert verdicts, text[-3000:]
    named = re.findall(r"zeros|uniform|general_rule", verdicts.group(1))
    assert sorted(set(named)) == ["general_rule", "uniform", "zeros"]  # each judged or said cannot tell
    assert re.search(r'comes out "outside" \d\.\d% of the time \(simulated, 5% nominal\): of 3 comparisons', text)
    assert re.search(r'comes out "differ" \d\.\d% of the time \(simulated, 5% nominal\): of 3 comparisons', text)
    assert "Initializers that share a letter were not found to differ" in text and "Every pair" in text


def test_search_page_sets_the_best_trial_beside_d2l(built_report):
    text = page_text(built_report.path / "results/notebooks/search.html")
    # quick.yaml: 2 coarse trials and 1 fine trial on 2 folds
    assert re.search(r"Conclusion\. The best of 3 trials is fine trial 0 \(lr [\d.e-]+, weight decay [\d.e-]+, \d+ "
                     r"hidden units, 2 epochs\): a cross-validated log-RMSE of \d\.\d{4} ± \d\.\d{4} \(std over 2 "
                     r"folds\)", text)
    assert "d2l's linear model (0.1703, a single published number: the gap gets no verdict)" in text
    assert "Search on a log scale: learning_rate = 10 ** uniform(-6, 1)." in text
    assert "lr 10 ** uniform(-3, -1), weight decay 10 ** uniform(-4, -1)" in text
    assert re.search(r"holds 1459 predictions", text)


def test_parameters_reach_the_notebook_explicitly(built_report):
    executed = json.loads((built_report.path / "results/notebooks/data.ipynb").read_text())
    injected = [c for c in executed["cells"] if "injected-parameters" in c["metadata"].get("tags", [])]
    assert len(injected) == 1
    source = "".join(injected[0]["source"])
    assert 'house_summary = "results/data/house_prices/summary.json"' in source
    assert "'split_seed': 0" in source or '"split_seed": 0' in source


def test_snakemake_report_is_one_file_with_the_study_pages(built_report):
    source = (built_report.path / "results/report.html").read_text()
    results = json.loads(re.search(r"var results = (\{.*?\});\n", source, flags=re.S).group(1))
    pages = {path: entry for path, entry in results.items() if path.startswith("results/notebooks/")}
    assert sorted(pages) == [f"results/notebooks/{name}.html" for name in sorted(REPORT_PAGES)]
    assert all(entry["mime_type"] == "text/html" and entry["data_uri"].startswith("data:text/html")
               for entry in pages.values())
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=\"http", source)
    assert "configuration sections" in source and "every value is listed at the end" in source


def test_editing_a_template_reruns_only_its_page(built_report):
    template = built_report.path / "workflow/notebooks/data.py"
    original = template.read_text()
    try:
        template.write_text(original + "\n# %% [markdown]\n# an edit\n")
        assert built_report.dry_run_jobs() == {"render_notebook": 1, "all": 1}
    finally:
        template.write_text(original)


def test_editing_an_imported_module_reruns_the_pages_that_import_it(built_report):
    module = built_report.path / "workflow/initlab/report.py"
    original = module.read_text()
    importers = [name for name in REPORT_PAGES
                 if re.search(r"^from initlab import .*\breport\b", (built_report.path /
                              f"workflow/notebooks/{name}.py").read_text(), flags=re.M)]
    assert "data" in importers
    try:
        module.write_text(original + "\n# an edit\n")
        assert built_report.dry_run_jobs() == {"render_notebook": len(importers), "all": 1}
    finally:
        module.write_text(original)


def test_a_failing_notebook_fails_its_rule_and_leaves_no_html(built_report):
    summary = built_report.path / "results/data/fashion_mnist/summary.json"
    page = built_report.path / "results/notebooks/data.html"
    original = summary.read_text()
    try:
        summary.write_text('{"train": 48000, "valid"')  # truncated JSON: the notebook's first code cell fails
        done = built_report.run("results/notebooks/data.html", check=False)
        assert done.returncode != 0
        assert "Error in rule render_notebook" in done.stdout
        log = (built_report.path / "results/logs/render_notebook/data.log").read_text()
        assert "PapermillExecutionError" in log or "An Exception was encountered" in log
        assert "JSONDecodeError" in log and "split = json.loads(open(fashion_summary).read())" in log
        assert not page.exists() and not (built_report.path / "results/notebooks/data.ipynb").exists()
        assert not list(page.parent.glob("data.html.*"))  # no temporary directory left behind
    finally:
        summary.write_text(original)
        built_report.run("results/notebooks/data.html")
    assert "331 features" in page_text(page)


# Each payload, if it ran, would set the page title (the browser test looks for that).
HOSTILE = ("<script>document.title='pwned'</script>", "</script><script>document.title='pwned'</script>",
           "<img src=x onerror=\"document.title='pwned'\">")


def hostile_compare_page(tmp_path):
    """The comparison page (HTML text) built, as render_notebook builds it, from a snapshot whose config keys,
    values and metric labels carry markup, and a baseline name carrying it too. Needs PYTHONPATH to reach
    workflow/ (the kernel imports initlab)."""
    import jupytext
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd
    import papermill
    from conftest import ROOT
    from nbconvert import HTMLExporter

    params, metrics = tmp_path / "params.csv", tmp_path / "metrics.csv"
    pd.DataFrame({"key": [f"house_prices.{HOSTILE[0]}", "search.model"], "baseline": [HOSTILE[1], "mlp"],
                  "current": ["5", HOSTILE[2]]}).to_csv(params, index=False)
    pd.DataFrame({"study": ["initializers", HOSTILE[1]], "quantity": [f"valid accuracy %: {HOSTILE[2]}", HOSTILE[0]],
                  "baseline": [85.0, 1.0], "current": [86.0, 1.0], "difference": [1.0, 0.0], "spread": [0.5, 0.0],
                  "p": [0.01, float("nan")], "verdict": ["differs", "cannot tell"]}).to_csv(metrics, index=False)
    figures = []
    for name in ("house", "initializers"):
        fig, _ = plt.subplots(figsize=(1, 1))
        fig.savefig(tmp_path / f"{name}.png")
        plt.close(fig)
        figures.append(str(tmp_path / f"{name}.png"))
    executed = papermill.execute_notebook(
        jupytext.read(ROOT / "workflow/notebooks/compare.py"), None, kernel_name="python3", progress_bar=False,
        parameters={"params": str(params), "metrics": str(metrics), "house_figure": figures[0],
                    "initializers_figure": figures[1], "setup": {"baseline": HOSTILE[1], "current": HOSTILE[0]}})
    page, _ = HTMLExporter(template_file=str(ROOT / "workflow/notebooks/nbconvert/offline.html.j2"),
                           exclude_input=True).from_notebook_node(executed)
    return page


def test_a_page_escapes_what_a_config_and_a_snapshot_carry(tmp_path, monkeypatch):
    """No payload survives unescaped: no script element, no onerror attribute; each shows as text."""
    from conftest import ROOT

    monkeypatch.setenv("PYTHONPATH", str(ROOT / "workflow"))
    page = hostile_compare_page(tmp_path)
    assert "<script" not in page and "</script>" not in page
    assert not re.search(r"<[^>]*\bonerror\s*=", page)
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())  # what a reader sees
    assert "Conclusion." in text and f"house_prices.{HOSTILE[0]}" in text
    assert all(payload in text for payload in HOSTILE)  # each shown as text, in the tables and the sentences
