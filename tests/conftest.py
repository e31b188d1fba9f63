"""Shared fixtures: a scratch copy of the workflow, a snakemake runner and a local HTTP server."""

import os
import shutil
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, settings

# Property tests (hypothesis): the same examples on every run (derandomized, no example database), so the
# fast suite gives one verdict per commit; no deadline or slow-generation check, which a loaded 2-core
# machine trips. HYPOTHESIS_PROFILE=explore draws fresh random examples, ten times as many.
settings.register_profile("initlab", derandomize=True, database=None, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("explore", settings.get_profile("initlab"), derandomize=False, max_examples=1000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "initlab"))

ROOT = Path(__file__).resolve().parents[1]


class Workflow:
    """A copy of the workflow in a temporary directory, with its own config and results."""

    def __init__(self, path, options=()):
        self.path = path
        self.options = tuple(options)  # given to every snakemake call first, e.g. ("--configfile=quick.yaml",)

    @property
    def config(self):
        return yaml.safe_load((self.path / "config.yaml").read_text())

    def set_config(self, config):
        (self.path / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))

    def update_config(self, **sections):
        """Merge keyword sections into config.yaml, one level deep (dicts are updated, values replaced)."""
        config = self.config
        for key, value in sections.items():
            if isinstance(value, dict) and isinstance(config.get(key), dict):
                config[key].update(value)
            else:
                config[key] = value
        self.set_config(config)

    def run(self, *args, check=True, timeout=900):
        """Run snakemake in the copy; return the CompletedProcess (stdout and stderr merged)."""
        cmd = [sys.executable, "-m", "snakemake", "--cores", "2", *self.options, *args]
        done = subprocess.run(cmd, cwd=self.path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, timeout=timeout)
        if check and done.returncode != 0:
            raise AssertionError(f"snakemake {' '.join(args)} failed:\n{done.stdout[-6000:]}")
        return done

    def dry_run_jobs(self, *targets):
        """Job counts per rule that a dry run would execute, from the job stats table."""
        out = self.run("-n", *targets, "--quiet", "rules").stdout
        counts = {}
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[1].isdigit() and parts[0] not in ("total", "job"):
                counts[parts[0]] = int(parts[1])
        return counts


def copy_workflow(dest):
    """Copy Snakefile, config.yaml, the default profile and workflow/ to `dest`; link the mirror files.
    Returns `dest`."""
    dest.mkdir()
    shutil.copy(ROOT / "Snakefile", dest)
    shutil.copy(ROOT / "config.yaml", dest)
    shutil.copytree(ROOT / "profiles", dest / "profiles")
    shutil.copytree(ROOT / "workflow", dest / "workflow", ignore=shutil.ignore_patterns("__pycache__"))
    mirror = dest / "resources" / "mirror"
    mirror.mkdir(parents=True)
    for f in (ROOT / "resources" / "mirror").iterdir():
        (mirror / f.name).symlink_to(f)
    return dest


@pytest.fixture
def workflow_copy(tmp_path):
    """A fresh copy of Snakefile, config.yaml and workflow/; the mirror files are linked, not copied."""
    return Workflow(copy_workflow(tmp_path / "wf"))


class Server:
    """Serves `files` (name -> bytes) on 127.0.0.1; `plan` (name -> list of actions) scripts faults.

    Actions are consumed one per request: an int answers with that HTTP status, "stall" sleeps
    past any client timeout, "wrong" serves other bytes of the same size, "stall_body" sends the headers and half the
    body then sleeps, "truncate" sends half the body then closes, "hold" waits until `release` is set
    (or the server closes) and then serves; when a name's plan is empty it is served.
    Misbehaving servers: "endless" sends a body without Content-Length that goes on (up to ENDLESS
    bytes), "trickle" announces the body and sends 1 byte per second, "trickle_headers" sends its
    headers 1 byte per second, "retry_after" answers 503 with `Retry-After: 3600`, "bad_length"
    serves the body with `Content-Length: abc`, ("redirect", url) answers 302 to `url`. `sent` counts
    the body bytes written per name.
    """

    ENDLESS = 256 << 20

    def __init__(self):
        self.files, self.plan, self.requests, self.sent = {}, {}, [], {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                name = self.path.lstrip("/")
                server.requests.append(name)
                action = server.plan.get(name, []).pop(0) if server.plan.get(name) else None
                if isinstance(action, int):
                    self.send_response(action)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if action == "stall":
                    server.stop_event.wait(5)
                    return
                if isinstance(action, tuple) or action in ("endless", "trickle", "trickle_headers", "retry_after"):
                    self.misbehave(name, action)
                    return
                if action == "hold":
                    server.held.set()
                    server.release.wait(60)
                if name not in server.files:
                    self.send_error(404)
                    return
                body = server.files[name]
                if action == "wrong":  # an error page padded to the file's size: only the checksum can tell
                    body = b"<html>error page</html>".ljust(len(body), b" ")
                self.send_response(200)
                self.send_header("Content-Length", "abc" if action == "bad_length" else str(len(body)))
                self.end_headers()
                if action in ("stall_body", "truncate"):
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    if action == "stall_body":
                        server.stop_event.wait(5)
                    self.close_connection = True
                    return
                self.wfile.write(body)
                server.sent[name] = server.sent.get(name, 0) + len(body)

            def misbehave(self, name, action):
                if isinstance(action, tuple):  # ("redirect", url)
                    self.send_response(302)
                    self.send_header("Location", action[1])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if action == "retry_after":
                    self.send_response(503)
                    self.send_header("Retry-After", "3600")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.close_connection = True
                try:
                    if action == "trickle_headers":
                        for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"x" * 10000:
                            self.wfile.write(bytes([byte]))
                            self.wfile.flush()
                            if server.stop_event.wait(1):
                                return
                    self.send_response(200)
                    if action == "trickle":
                        self.send_header("Content-Length", str(len(server.files[name])))
                    self.end_headers()
                    chunk, pause = (b"\0" * (64 << 10), 0) if action == "endless" else (b"x", 1)
                    while server.sent.get(name, 0) < server.ENDLESS and not server.stop_event.wait(pause):
                        self.wfile.write(chunk)
                        self.wfile.flush()
                        server.sent[name] = server.sent.get(name, 0) + len(chunk)
                except OSError:  # the client hung up: what a limit should make it do
                    pass

        self.stop_event = threading.Event()
        self.held, self.release = threading.Event(), threading.Event()  # a "hold" request arrived / may go on
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        # serve_forever checks for shutdown() every poll_interval (default 0.5 s), which close() waits for
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
        self.thread.start()

    def close(self):
        self.stop_event.set()
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def http_server():
    server = Server()
    yield server
    server.close()


@pytest.fixture(scope="session")
def data_run(tmp_path_factory):
    """A workflow copy whose data stage ran once per session (both data sets, about 10 s), with its
    .snakemake records. Shared: a test may only read it, or dry-run an edit it reverts before it ends."""
    flow = Workflow(copy_workflow(tmp_path_factory.mktemp("data") / "wf"))
    flow.run("data")
    return flow


@pytest.fixture
def prepared(workflow_copy, data_run):
    """The workflow copy with the session's prepared data hard-linked in (same bytes, same mtimes).

    Tests that change a prepared file must replace it (write a new file), never write into it.
    """
    data = data_run.path / "results" / "data"
    for source in data.rglob("*"):
        if source.is_file():
            target = workflow_copy.path / "results" / "data" / source.relative_to(data)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.link(source, target)
    assert workflow_copy.dry_run_jobs("data") == {}, "the linked data should be up to date"
    return workflow_copy


# The study pages the report stage renders (results/notebooks/<page>.html).
REPORT_PAGES = ("overview", "data", "house_prices", "initializers", "stability", "gradient_check", "linear_regression",
                "optimizers", "search")
QUICK = ("--configfile=quick.yaml",)  # the README's quick first run; "=": a target after it is not a config file


@pytest.fixture(scope="session")
def built_report(tmp_path_factory):
    """The README's quick first run (quick.yaml: every study and page at tiny sizes), then
    `snakemake --report results/report.html` of it.

    Shared by the notebook and browser tests, which only read what it wrote.
    """
    dest = tmp_path_factory.mktemp("report") / "wf"
    shutil.copytree(ROOT, dest, ignore=shutil.ignore_patterns(".git", ".venv", "results", ".snakemake", "__pycache__",
                                                                "tests", "bench", "test-artifacts"))
    flow = Workflow(dest, QUICK)
    flow.run()
    flow.run("--report", "results/report.html")
    return flow


FAULTS = ROOT / "tests" / "faults"


def pytest_collection_modifyitems(config, items):
    """The fault tests are slow too (each runs snakemake). The plain `python -m pytest` (no paths, no -m)
    runs the fast suite: everything not marked slow. `-m slow` runs the slow ones, `-m "slow or not
    slow"` all; a test file or folder named on the command line runs in full."""
    for item in items:
        if FAULTS in item.path.parents:
            item.add_marker(pytest.mark.slow)
    if config.args_source is pytest.Config.ArgsSource.TESTPATHS and not config.option.markexpr:
        slow = [item for item in items if "slow" in item.keywords]
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if "slow" not in item.keywords]
