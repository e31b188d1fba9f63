"""Rules list the package files their scripts import, transitively, and a stale import is an error."""

import ast
from pathlib import Path

import pytest
from conftest import ROOT
from initlab.infra.codedeps import UnresolvedImport, module_files

PACKAGE = ROOT / "workflow" / "initlab"


def make_package(root, files):
    """Write {relative path: source} under root/initlab; return the package folder."""
    for name, source in files.items():
        path = root / "initlab" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)
    return root / "initlab"


def names(files, pkg):
    return [str(Path(f).relative_to(pkg)) for f in files]


def script(tmp_path, source):
    path = tmp_path / "job.py"
    path.write_text(source)
    return str(path)


def test_dotted_relative_and_package_imports_resolve_with_their_init_files(tmp_path):
    pkg = make_package(tmp_path, {
        "__init__.py": "",
        "core/__init__.py": "",
        "core/models.py": "from . import layers\nfrom .layers import Dense\n",
        "core/layers.py": "from ..infra.log import get\nclass Dense: pass\n",
        "infra/__init__.py": "from .log import get\n",
        "infra/log.py": "def get(): pass\n",
        "studies/__init__.py": "",
        "studies/a/__init__.py": "",
        "studies/a/run.py": "import initlab.core.models\n",
        "unused.py": "",
    })
    files = module_files(script(tmp_path, "from initlab.studies.a import run\n"), str(pkg))
    assert names(files, pkg) == [
        "__init__.py", "core/__init__.py", "core/layers.py", "core/models.py", "infra/__init__.py",
        "infra/log.py", "studies/__init__.py", "studies/a/__init__.py", "studies/a/run.py",
    ]


def test_imports_inside_functions_classes_and_blocks_are_found(tmp_path):
    """A deferred import (in a function, a method, a try or an if) is still code the script runs."""
    pkg = make_package(tmp_path, {
        "__init__.py": "", "lazy.py": "", "method.py": "", "tried.py": "", "branch.py": "",
        "m.py": ("def f():\n    from initlab import lazy\n"
                 "class C:\n    def g(self):\n        import initlab.method\n"
                 "try:\n    from initlab import tried\nexcept ImportError:\n    pass\n"
                 "if True:\n    from . import branch\n"),
    })
    files = module_files(script(tmp_path, "def main():\n    from initlab import m\n"), str(pkg))
    assert names(files, pkg) == ["__init__.py", "branch.py", "lazy.py", "m.py", "method.py", "tried.py"]


def test_a_name_imported_from_a_module_needs_no_file_of_its_own(tmp_path):
    pkg = make_package(tmp_path, {"__init__.py": "", "core/__init__.py": "", "core/m.py": "A, B = 1, 2\n"})
    files = module_files(script(tmp_path, "from initlab.core.m import A, B\n"), str(pkg))
    assert names(files, pkg) == ["__init__.py", "core/__init__.py", "core/m.py"]


@pytest.mark.parametrize("source, missing", [
    ("from initlab import gone\n", "gone"),  # a module moved away
    ("import initlab.core.gone\n", "initlab.core.gone"),
    ("from initlab.core.m import absent\n", "absent"),  # a name the module does not define
    ("from initlab.old.m import A\n", "initlab.old.m"),
])
def test_an_import_that_names_no_file_raises_naming_it(tmp_path, source, missing):
    pkg = make_package(tmp_path, {"__init__.py": "", "core/__init__.py": "", "core/m.py": "A = 1\n"})
    with pytest.raises(UnresolvedImport, match=missing):
        module_files(script(tmp_path, source), str(pkg))


def test_a_stale_import_inside_the_package_raises_too(tmp_path):
    pkg = make_package(tmp_path, {"__init__.py": "", "a.py": "from initlab import moved\n"})
    with pytest.raises(UnresolvedImport, match="a.py"):
        module_files(script(tmp_path, "from initlab import a\n"), str(pkg))


def test_imports_of_other_packages_are_ignored(tmp_path):
    pkg = make_package(tmp_path, {"__init__.py": ""})
    assert module_files(script(tmp_path, "import numpy\nfrom os import path\n"), str(pkg)) == ()


def test_every_rule_script_logs_through_job_log_and_depends_on_its_study():
    for path in sorted((ROOT / "workflow" / "scripts").glob("*.py")):
        files = names(module_files(str(path), str(PACKAGE)), PACKAGE)
        assert "infra/joblog.py" in files, f"{path.name} does not log through job_log"
        assert "__init__.py" in files


def test_every_notebook_template_resolves():
    for path in sorted((ROOT / "workflow" / "notebooks").glob("*.py")):
        assert "__init__.py" in names(module_files(str(path), str(PACKAGE)), PACKAGE)


def test_fetch_script_depends_on_exactly_fetch_atomic_joblog():
    files = names(module_files(str(ROOT / "workflow/scripts/fetch_file.py"), str(PACKAGE)), PACKAGE)
    assert files == ["__init__.py", "data/__init__.py", "data/fetch.py", "infra/__init__.py",
                     "infra/atomic.py", "infra/joblog.py", "infra/progress.py"]


def imports_torch(path):
    tree = ast.parse(Path(path).read_text())
    return any(isinstance(node, ast.Import) and any(a.name.split(".")[0] == "torch" for a in node.names)
               or isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "torch"
               for node in tree.body)


def test_jobs_that_only_summarize_plot_or_render_import_no_torch():
    """torch costs about 2 s of CPU per process: only the training and measuring jobs may import it."""
    pattern = ("plot_*.py", "summarize_*.py", "write_submission.py", "render_notebook.py", "plan_fine_trials.py")
    scripts = sorted({path for glob in pattern for path in (ROOT / "workflow" / "scripts").glob(glob)})
    assert len(scripts) >= 14
    for script in scripts:
        heavy = [f for f in module_files(str(script), str(PACKAGE)) if imports_torch(f)]
        assert not imports_torch(script) and not heavy, f"{script.name} imports torch via {heavy}"


def test_a_name_a_module_binds_by_importing_it_resolves_to_that_module(tmp_path):
    """`from m import h` where m did `from .sub import helper as h` or `import os.path` (binding `os`)."""
    pkg = make_package(tmp_path, {"__init__.py": "", "sub.py": "def helper(): pass\n",
                                  "m.py": "from .sub import helper as h\nimport os.path\n"})
    files = module_files(script(tmp_path, "from initlab.m import h, os\n"), str(pkg))
    assert names(files, pkg) == ["__init__.py", "m.py", "sub.py"]
    with pytest.raises(UnresolvedImport, match="'path' is neither a module"):
        other = tmp_path / "other_job.py"  # module_files is cached per script path
        other.write_text("from initlab.m import path\n")  # `import os.path` binds os, not path
        module_files(str(other), str(pkg))


def test_a_syntax_error_in_a_module_names_its_file(tmp_path):
    pkg = make_package(tmp_path, {"__init__.py": "", "m.py": "A = (\n"})
    with pytest.raises(SyntaxError) as error:
        module_files(script(tmp_path, "from initlab.m import A\n"), str(pkg))
    assert error.value.filename == str(pkg / "m.py")


def test_relative_imports_in_init_files_resolve_from_their_own_package(tmp_path):
    """An `__init__.py` is its package: `.` is the package itself, `..` its parent."""
    pkg = make_package(tmp_path, {
        "__init__.py": "", "helpers/__init__.py": "from .impl import f\n", "helpers/impl.py": "def f(): pass\n",
        "a/__init__.py": "", "a/x.py": "", "a/b/__init__.py": "from .. import x\n",
    })
    files = module_files(script(tmp_path, "import initlab.helpers\nimport initlab.a.b\n"), str(pkg))
    assert names(files, pkg) == ["__init__.py", "a/__init__.py", "a/b/__init__.py", "a/x.py",
                                 "helpers/__init__.py", "helpers/impl.py"]


def test_a_star_import_needs_only_the_module(tmp_path):
    pkg = make_package(tmp_path, {"__init__.py": "", "m.py": "A = 1\n"})
    assert names(module_files(script(tmp_path, "from initlab.m import *\n"), str(pkg)), pkg) == ["__init__.py", "m.py"]


def test_a_relative_import_in_a_script_outside_the_package_raises_naming_it(tmp_path):
    pkg = make_package(tmp_path / "src", {"__init__.py": ""})  # the script is not under the package's parent
    job = script(tmp_path, "from . import helper\n")
    with pytest.raises(UnresolvedImport, match=f"^{job}: relative import outside the package {pkg}$"):
        module_files(job, str(pkg))


def test_a_syntax_error_in_a_script_or_a_module_imported_whole_names_its_file(tmp_path):
    pkg = make_package(tmp_path, {"__init__.py": "", "m.py": "A = (\n"})
    whole, broken = tmp_path / "whole.py", tmp_path / "broken.py"  # module_files is cached per script path
    whole.write_text("import initlab.m\n")
    broken.write_text("x = [\n")
    for job, bad in ((whole, pkg / "m.py"), (broken, broken)):
        with pytest.raises(SyntaxError) as error:
            module_files(str(job), str(pkg))
        assert error.value.filename == str(bad)
