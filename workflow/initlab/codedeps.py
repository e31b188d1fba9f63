"""Which package modules a script uses, so rules can list them as inputs.

Snakemake's code trigger sees only a rule's script file; a change to a module it imports
would go unnoticed. Rules therefore declare, as inputs, every `initlab` module that their
script imports, directly or through other modules. Read with `ast`: nothing is imported.
"""

import ast
from functools import cache
from pathlib import Path

PACKAGE = "initlab"


def imported_modules(path):
    """Names of the `initlab.<module>` modules imported by the file at `path`."""
    tree = ast.parse(Path(path).read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name.split(".")[1] for name in names if name.startswith(PACKAGE + ".")}


@cache
def module_files(script, package_dir):
    """Sorted paths of the package modules `script` uses, transitively, as strings."""
    package_dir = Path(package_dir)
    seen, todo = set(), list(imported_modules(script))
    while todo:
        name = todo.pop()
        path = package_dir / f"{name}.py"
        if name in seen or not path.exists():
            continue
        seen.add(name)
        todo.extend(imported_modules(path))
    return tuple(str(package_dir / f"{name}.py") for name in sorted(seen))
