"""Reading a snapshot as untrusted input: snapshots are committed and shared, and git stores symlinks.

Every file is named relative to the snapshot folder and must resolve inside it through no symlink, be a
regular file and stay under its size cap; YAML aliases are refused (an alias bomb expands a few hundred
bytes into gigabytes); the marker, the tables the comparison reads and the curves are checked against
their expected fields and types. Every failure is a SnapshotError naming the file and what was expected.
"""

import csv
import io
import json
import os
import stat
from pathlib import Path, PurePosixPath

import jsonschema
import yaml

MAX_BYTES = {"snapshot.json": 64 << 10, "config.yaml": 1 << 20, "table": 16 << 20, "curves": 16 << 20}

NUMBER, TEXT, BOOL = "number", "text", "bool"
# The columns compare.headline reads from each table it reads (the other tables are kept, never read).
COLUMNS = {
    "house_prices/cv_summary.csv": {"model": TEXT, "initializer": TEXT, "valid_log_rmse": NUMBER},
    "initializers/summary.csv": {"initializer": TEXT, "diverged": BOOL, "valid_accuracy": NUMBER,
                                 "test_accuracy": NUMBER},
    "gradient_check/summary.csv": {"model": TEXT, "max_rel_error": NUMBER},
    "linear_regression/summary.csv": {"method": TEXT, "final_loss": NUMBER, "w_error": NUMBER, "b_error": NUMBER},
    "stability/depth/summary.csv": {"initializer": TEXT, "activation": TEXT, "forward_ratio": NUMBER,
                                    "backward_ratio": NUMBER},
    "stability/diagnostics/summary.csv": {"initializer": TEXT, "layer": TEXT, "median_update_ratio": NUMBER},
}
JSON_TABLES = {"search/summary.json": {"type": "object", "required": ["valid_log_rmse"],
                                       "properties": {"valid_log_rmse": {"type": ["number", "null"]}}}}

_CURVE = {"string": {"type": ["string", "null"]}, "integer": {"type": ["integer", "null"]},
          "boolean": {"type": ["boolean", "null"]}, "number": {"type": ["number", "null"]},
          "curve": {"type": ["array", "null"], "items": {"type": ["number", "null"]}}}
# The fields of each study's kept runs (snapshot.RUNS) and their JSON types; null where a run lacked one.
CURVE_FIELDS = {
    "house_prices": {"model": "string", "initializer": "string", "fold": "integer", "diverged": "boolean",
                     "train_log_rmse": "number", "valid_log_rmse": "number", "train_curve": "curve",
                     "valid_curve": "curve"},
    "initializers": {"initializer": "string", "seed": "integer", "diverged": "boolean", "valid_accuracy": "number",
                     "test_accuracy": "number", "epoch_losses": "curve"},
    "optimizers": {"optimizer": "string", "schedule": "string", "seed": "integer", "diverged": "boolean",
                   "final_valid_accuracy": "number", "epoch_losses": "curve", "valid_loss": "curve",
                   "valid_accuracy": "curve"},
}


class SnapshotError(ValueError):
    """A snapshot cannot be kept or read; the message names the path and what was expected."""


class _NoAliases(yaml.SafeLoader):
    """yaml.safe_load without aliases: a kept config never has any (yaml.safe_dump writes none for it)."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.YAMLError(f"an alias (*{event.anchor}) at line {event.start_mark.line + 1}, column "
                                 f"{event.start_mark.column + 1}: aliases are refused in a snapshot")
        return super().compose_node(parent, index)


def locate(folder, name):
    """The path of `name` (a relative POSIX path) inside `folder`, or None when it does not exist.
    SnapshotError when the name leaves the folder or any part of it is a symlink or the last no regular file."""
    parts = PurePosixPath(name).parts if isinstance(name, str) else ()
    if not parts or PurePosixPath(name).is_absolute() or ".." in parts:
        raise SnapshotError(f"{folder}: the path {name!r} leaves the snapshot folder: expected a relative path "
                            "inside it, without '..'")
    path = Path(folder)
    for part in parts:
        path = path / part
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            return None
        if stat.S_ISLNK(mode):
            raise SnapshotError(f"{path} is a symlink: expected a regular file or folder inside the snapshot "
                                "(a snapshot never holds links; a crafted one could name any file of yours)")
    if not stat.S_ISREG(mode):
        raise SnapshotError(f"{path} is not a regular file: expected one written by keep_run")
    return path


def read_bytes(path, cap):
    """The bytes of regular file `path`, opened without following a symlink or blocking; at most `cap`."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as error:
        raise SnapshotError(f"{path} cannot be opened ({error.strerror}): expected a regular file") from None
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise SnapshotError(f"{path} is not a regular file: expected one written by keep_run")
        data = f.read(cap + 1)
    if len(data) > cap:
        raise SnapshotError(f"{path} is larger than {cap} bytes: expected a small file written by keep_run")
    return data


def _text(path, cap):
    try:
        return read_bytes(path, cap).decode()
    except UnicodeDecodeError as error:
        raise SnapshotError(f"{path} is not UTF-8 text ({error.reason} at byte {error.start})") from None


def load_json(path, cap, schema, expected):
    """Parse JSON file `path` and check it against `schema`; `expected` says in words what it should be."""
    try:
        value = json.loads(_text(path, cap))
    except (json.JSONDecodeError, RecursionError) as error:
        raise SnapshotError(f"{path} is not valid JSON ({str(error)[:200]}): expected {expected}") from None
    failure = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema).iter_errors(value))
    if failure is not None:
        where = "/".join(map(str, failure.absolute_path)) or "top level"
        raise SnapshotError(f"{path}: at {where}, {failure.message[:200]}: expected {expected}")
    return value


def load_config(path):
    """The kept config: a YAML mapping, without aliases, under MAX_BYTES."""
    try:
        config = yaml.load(_text(path, MAX_BYTES["config.yaml"]), Loader=_NoAliases)
    except (yaml.YAMLError, RecursionError) as error:
        raise SnapshotError(f"{path} is not a plain YAML config ({str(error)[:300]}): expected the mapping "
                            "keep_run writes, without aliases") from None
    if not isinstance(config, dict):
        raise SnapshotError(f"{path} holds a {type(config).__name__}: expected a mapping of config keys")
    return config


def check_table(path, name):
    """Check the columns the comparison reads from table `name` (a path under results/) at `path`."""
    if name in JSON_TABLES:
        load_json(path, MAX_BYTES["table"], JSON_TABLES[name], "the study's summary object")
        return
    columns = COLUMNS.get(name)
    if columns is None:
        return  # kept, never read
    try:
        rows = list(csv.DictReader(io.StringIO(_text(path, MAX_BYTES["table"]), newline="")))
    except csv.Error as error:
        raise SnapshotError(f"{path} is not a valid CSV table ({error})") from None
    header = rows[0].keys() if rows else ()
    for column, kind in columns.items():
        if rows and column not in header:
            raise SnapshotError(f"{path} has no column {column!r}: expected columns {list(columns)}")
        for number, row in enumerate(rows, 2):  # line 1 is the header
            if not _fits(row[column], kind):
                raise SnapshotError(f"{path}, line {number}, column {column!r}: {str(row[column])[:40]!r} is not "
                                    f"a {kind}: expected {'True or False' if kind == BOOL else kind} values")


def _fits(cell, kind):
    if kind == TEXT:
        return isinstance(cell, str)
    if kind == BOOL:
        return cell in ("True", "False")
    try:
        float(cell or "nan")
    except (TypeError, ValueError):
        return False
    return True


def marker_schema(layout, tables, curves):
    """snapshot.json of `layout`: only the table and curve names this checkout knows (snapshot.TABLES, RUNS)."""
    code = {"type": "object", "required": ["commit", "dirty"], "additionalProperties": False,
            "properties": {"commit": {"type": "string", "pattern": "^[0-9a-f]{7,64}$"}, "dirty": {"type": "boolean"}}}
    return {"type": "object", "required": ["layout", "name", "code", "tables", "curves"], "additionalProperties": False,
            "properties": {"layout": {"const": layout}, "name": {"type": "string", "maxLength": 255},
                           "code": {"oneOf": [{"type": "null"}, code]},
                           "tables": {"type": "array", "items": {"enum": list(tables)}, "uniqueItems": True},
                           "curves": {"type": "array", "items": {"enum": list(curves)}, "uniqueItems": True}}}


def curves_schema(study):
    fields = CURVE_FIELDS[study]
    return {"type": "array", "items": {"type": "object", "required": list(fields),
                                       "properties": {f: _CURVE[kind] for f, kind in fields.items()}}}
