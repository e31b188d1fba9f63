"""The overview page and the Snakemake report opened in a real headless Chromium.

Chromium is driven over the DevTools protocol through a pipe (tests/workflow/browser.py): no port, no extra
package, host names resolve to nothing. Each page must load with no console error, no failed load, no
request that leaves the file, and every image decoded; a screenshot goes to test-artifacts/report/.
"""

import pytest
from conftest import REPORT_PAGES, ROOT

from workflow.browser import Browser, find_chromium

CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="chromium is not installed (Debian: apt-get install -y --no-install-recommends chromium)")
ARTIFACTS = ROOT / "test-artifacts" / "report"

# Decode, in the browser, every image the report holds: registered figures, and the images inside
# registered HTML pages (which the report shows in an iframe only when the reader opens them).
REPORT_IMAGES_JS = """(async () => {
  const load = src => new Promise(done => {
    const image = new Image();
    image.onload = () => done(image.naturalWidth > 0);
    image.onerror = () => done(false);
    image.src = src;
  });
  const seen = {figures: 0, pages: 0, images: 0, broken: []};
  for (const [path, entry] of Object.entries(results)) {
    if (entry.mime_type.startsWith('image/')) {
      seen.figures++;
      if (!await load(entry.data_uri)) seen.broken.push(path);
    } else if (entry.mime_type === 'text/html') {
      seen.pages++;
      const page = await (await fetch(entry.data_uri)).text();
      for (const image of new DOMParser().parseFromString(page, 'text/html').images) {
        seen.images++;
        if (!await load(image.getAttribute('src'))) seen.broken.push(path + ': ' + image.src.slice(0, 60));
      }
    }
  }
  return seen;
})()"""


@pytest.fixture(scope="module")
def browser():
    with Browser(CHROMIUM) as running:
        yield running


def open_checked(browser, path, screenshot):
    """Open a local page; assert a clean load with every <img> decoded; save a screenshot."""
    page = browser.open(path.as_uri())
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(ARTIFACTS / screenshot)
    assert page.errors == []
    assert page.remote_requests() == []
    images = page.images()
    assert images["broken"] == []
    return page, images


@pytest.mark.slow
@pytest.mark.parametrize("name", REPORT_PAGES)
def test_study_page_renders_cleanly(browser, built_report, name):
    page, images = open_checked(browser, built_report.path / f"results/notebooks/{name}.html", f"{name}.png")
    assert page.evaluate("document.querySelector('h1').innerText").strip() != ""
    assert images["total"] == page.evaluate("document.querySelectorAll('img[src^=\"data:image/png\"]').length")
    if name == "data":
        assert images["total"] == 2


@pytest.mark.slow
def test_snakemake_report_renders_cleanly(browser, built_report):
    page, _ = open_checked(browser, built_report.path / "results/report.html", "snakemake-report.png")
    description = page.evaluate("document.body.innerText")
    assert "Training device: auto; configuration sections" in description and "fashion_mnist" in description
    held = page.evaluate(REPORT_IMAGES_JS)
    assert held["broken"] == []
    assert held["pages"] >= 2 and held["images"] >= 2  # the study pages and the figures inside them
    assert page.errors == []  # decoding everything raised nothing either


def test_the_checks_catch_what_they_look_for(browser, tmp_path):
    """A page with a broken image, a console error, an exception and a remote script fails every check."""
    bad = tmp_path / "bad.html"
    bad.write_text('<html><body><h1>bad</h1><img src="data:image/png;base64,AAAA">'
                   '<img src="missing.png"><script src="https://cdn.invalid/lib.js"></script>'
                   '<script>console.error("boom"); undefined_function();</script></body></html>')
    page = browser.open(bad.as_uri())
    assert page.remote_requests() == ["https://cdn.invalid/lib.js"]
    assert any("boom" in e for e in page.errors) and any("undefined_function" in e for e in page.errors)
    # `.invalid` never resolves (RFC 2606), and Chromium runs with every host name mapped to nothing
    assert any("ERR_NAME_NOT_RESOLVED" in e for e in page.errors)  # the remote host is never reached
    images = page.images()
    assert images["total"] == 2 and len(images["broken"]) == 2


@pytest.mark.slow
def test_markup_from_a_config_or_snapshot_runs_nothing(browser, tmp_path, monkeypatch):
    """The comparison page built from hostile strings (test_report_notebooks.HOSTILE), opened for real: no
    script element exists and no payload ran (each would set the title)."""
    from workflow.test_report_notebooks import hostile_compare_page

    monkeypatch.setenv("PYTHONPATH", str(ROOT / "workflow"))
    path = tmp_path / "compare.html"
    path.write_text(hostile_compare_page(tmp_path))
    page, _ = open_checked(browser, path, "hostile_compare.png")
    assert page.evaluate("document.querySelectorAll('script').length") == 0
    assert page.evaluate("document.title") != "pwned"
    assert "document.title='pwned'" in page.evaluate("document.body.innerText")  # shown as text
