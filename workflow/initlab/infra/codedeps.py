"""Which package modules a script uses, so rules can list them as inputs.

Snakemake's code trigger sees only a rule's script file; a change to a module it imports
would go unnoticed. Rules therefore declare, as inputs, every package module that their
script imports, directly or through other modules, and the `__init__.py` of every package on
the way. Read with `ast`: nothing is imported. An import of the package that names no file
raises, so moving a module can never silently drop a rule's code inputs.
"""

import ast
from functools import cache
from pathlib import Path


class UnresolvedImport(ImportError):
    """An import of the package names no module file and no name its parent module defines."""


def _module_name(path, package_dir):
    """Dotted name of the package file `path` ('initlab.core.models'), or None outside the package."""
    try:
        parts = list(Path(path).resolve().relative_to(package_dir.resolve().parent).with_suffix("").parts)
    except ValueError:
        return None
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_names(path, package_dir):
    """(module, name) pairs for every import of the package in the file at `path`.

    `import a.b` gives ('a.b', None); `from a import b` gives ('a', 'b'): b is a submodule or a
    name that module a defines. Relative imports are resolved against the file's own module.
    """
    package_dir = Path(package_dir)
    package = package_dir.name
    tree = ast.parse(Path(path).read_text(), filename=str(path))
    own = _module_name(path, package_dir)
    is_init = Path(path).name == "__init__.py"
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, None) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                if own is None:
                    raise UnresolvedImport(f"{path}: relative import outside the package {package_dir}")
                base = own.split(".")
                base = base[: len(base) - node.level + (1 if is_init else 0)]
                module = ".".join(base + ([module] if module else []))
            found += [(module, alias.name) for alias in node.names]
    return [(m, n) for m, n in found if m == package or m.startswith(package + ".")]


def _file(module, package_dir):
    """The file of dotted `module` (a/b.py or a/b/__init__.py), or None."""
    base = package_dir.parent.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _defines(path, name):
    """Whether the module file `path` binds `name` at its top level."""
    for node in ast.parse(path.read_text(), filename=str(path)).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == name:
            return True
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            if any((a.asname or a.name.split(".")[0]) == name for a in node.names):
                return True
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            stored = (n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store))
            if name in stored:
                return True
    return False


def _resolve(module, name, package_dir, where):
    """The files one import needs: the module (or submodule `name`) and each parent `__init__.py`."""
    parts = module.split(".")
    files = [_file(".".join(parts[:i]), package_dir) for i in range(1, len(parts) + 1)]
    if None in files:
        raise UnresolvedImport(f"{where}: imports {module!r}, which is no module under {package_dir}")
    if name is not None and name != "*":
        sub = _file(f"{module}.{name}", package_dir)
        if sub is not None:
            files.append(sub)
        elif not _defines(files[-1], name):
            raise UnresolvedImport(
                f"{where}: `from {module} import {name}`: {name!r} is neither a module under "
                f"{package_dir} nor a name defined in {files[-1]}"
            )
    return files


@cache
def module_files(script, package_dir):
    """Sorted paths of the package files `script` uses, transitively, as strings.

    Paths are given as `package_dir` joined with the file's place in the package, so a relative
    `package_dir` gives relative paths (what Snakemake rule inputs want).
    """
    package_dir = Path(package_dir)
    seen, todo = set(), [Path(script)]
    while todo:
        path = todo.pop()
        for module, name in imported_names(path, package_dir):
            for file in _resolve(module, name, package_dir, path):
                if file not in seen:
                    seen.add(file)
                    todo.append(file)
    return tuple(sorted(str(file) for file in seen))
