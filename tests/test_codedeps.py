"""Rules list the package modules their scripts import, transitively."""

from pathlib import Path

from initlab.codedeps import module_files

ROOT = Path(__file__).resolve().parents[1]


def test_transitive_imports_are_found(tmp_path):
    pkg = tmp_path / "initlab"
    pkg.mkdir()
    (pkg / "a.py").write_text("from initlab import b\n")
    (pkg / "b.py").write_text("import initlab.c as c\nimport numpy\n")
    (pkg / "c.py").write_text("x = 1\n")
    (pkg / "unused.py").write_text("")
    script = tmp_path / "job.py"
    script.write_text("from initlab.a import thing\nfrom initlab import c\n")
    assert module_files(str(script), str(pkg)) == tuple(str(pkg / f"{m}.py") for m in "abc")


def test_every_rule_script_resolves_to_existing_modules():
    for script in sorted((ROOT / "workflow" / "scripts").glob("*.py")):
        files = module_files(str(script), str(ROOT / "workflow" / "initlab"))
        assert all(Path(f).exists() for f in files)
        assert any(f.endswith("joblog.py") for f in files), f"{script.name} does not log through job_log"


def test_fetch_script_depends_on_fetch_and_atomic():
    files = module_files(str(ROOT / "workflow/scripts/fetch_file.py"), str(ROOT / "workflow/initlab"))
    assert [Path(f).name for f in files] == ["atomic.py", "fetch.py", "joblog.py"]
