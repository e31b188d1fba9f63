"""Hash-verified fetching against a local HTTP server on 127.0.0.1 and local mirrors."""

import hashlib
import logging
import os
import socket
import subprocess
import sys
import threading
import time

import pytest
from conftest import Server
from initlab.data import fetch as fetch_module
from initlab.data.fetch import ChecksumMismatch, FetchError, candidate_sources, fetch, parse_checksum, verify_file

BODY = b"Id,SalePrice\n1,208500\n" * 1000


def sha1(data):
    return "sha1:" + hashlib.sha1(data).hexdigest()


def closed_port_url():
    """A base URL on 127.0.0.1 where nothing listens (bound then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def fetch_from(server, tmp_path, *, mirrors=(), checksum=None, retries=2, timeout=5.0, url=None, size=len(BODY),
               log=None):
    return fetch(name="data.csv", url=url or f"{server.url}/data.csv", checksum=checksum or sha1(BODY), size=size,
                 mirrors=list(mirrors), target=tmp_path / "out" / "data.csv", retries=retries, backoff=0.01,
                 timeout=timeout, log=log)


def leftovers(tmp_path):
    out = tmp_path / "out"
    return sorted(p.name for p in out.iterdir()) if out.exists() else []


def test_good_file_is_verified_and_written(http_server, tmp_path):
    http_server.files["data.csv"] = BODY
    source = fetch_from(http_server, tmp_path)
    assert source == f"{http_server.url}/data.csv"
    assert (tmp_path / "out" / "data.csv").read_bytes() == BODY


def test_wrong_hash_is_rejected_and_nothing_is_left(http_server, tmp_path):
    http_server.files["data.csv"] = BODY
    wrong = sha1(b"something else")
    with pytest.raises(FetchError) as error:
        fetch_from(http_server, tmp_path, checksum=wrong)
    message = str(error.value)
    assert "data.csv" in message and wrong.split(":")[1] in message
    assert hashlib.sha1(BODY).hexdigest() in message  # the actual hash is named too
    assert leftovers(tmp_path) == []


def test_server_errors_are_retried_then_succeed(http_server, tmp_path):
    http_server.files["data.csv"] = BODY
    http_server.plan["data.csv"] = [503, 500]
    fetch_from(http_server, tmp_path, retries=3)
    assert http_server.requests.count("data.csv") == 3
    assert (tmp_path / "out" / "data.csv").read_bytes() == BODY


def test_persistent_server_errors_list_every_attempt(http_server, tmp_path):
    http_server.plan["data.csv"] = [500] * 10
    dead = closed_port_url()
    with pytest.raises(FetchError) as error:
        fetch_from(http_server, tmp_path, mirrors=[dead], retries=1)
    message = str(error.value)
    assert f"{dead}/data.csv" in message and f"{http_server.url}/data.csv" in message
    assert leftovers(tmp_path) == []


def test_unreachable_mirror_falls_back_to_url(http_server, tmp_path):
    http_server.files["data.csv"] = BODY
    source = fetch_from(http_server, tmp_path, mirrors=[closed_port_url()], retries=0)
    assert source == f"{http_server.url}/data.csv"


def test_local_mirror_is_tried_first_and_network_untouched(http_server, tmp_path):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "data.csv").write_bytes(BODY)
    source = fetch_from(http_server, tmp_path, mirrors=[mirror])
    assert source == str(mirror / "data.csv")
    assert http_server.requests == []


def test_corrupt_local_mirror_falls_back_to_good_url(http_server, tmp_path):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    corrupt = bytearray(BODY)
    corrupt[10] ^= 0x01  # one flipped bit
    (mirror / "data.csv").write_bytes(bytes(corrupt))
    http_server.files["data.csv"] = BODY
    assert fetch_from(http_server, tmp_path, mirrors=[mirror]) == f"{http_server.url}/data.csv"


def test_stalled_server_times_out(http_server, tmp_path):
    http_server.files["data.csv"] = BODY
    http_server.plan["data.csv"] = ["stall"]
    with pytest.raises(FetchError, match="timed out|Read timed out"):
        fetch_from(http_server, tmp_path, retries=0, timeout=0.5)
    assert leftovers(tmp_path) == []


def test_sha256_and_md5_are_supported(http_server, tmp_path):
    http_server.files["data.csv"] = BODY
    for algorithm in ("sha256", "md5"):
        checksum = f"{algorithm}:{hashlib.new(algorithm, BODY).hexdigest()}"
        fetch_from(http_server, tmp_path, checksum=checksum)
        assert verify_file(tmp_path / "out" / "data.csv", checksum)


def test_verify_file_detects_an_edited_file(tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes(BODY)
    checksum = sha1(BODY)
    verify_file(path, checksum)
    path.write_bytes(BODY + b"9,1\n")
    with pytest.raises(ChecksumMismatch, match="forcerun fetch_file"):
        verify_file(path, checksum)


def test_checksum_format_is_checked():
    assert parse_checksum("SHA1:ABC".lower()) == ("sha1", "abc")
    for bad in ("crc32:1234", "sha1", "sha1:", "abc"):
        with pytest.raises(ValueError, match="algorithm"):
            parse_checksum(bad)


def test_sources_are_mirrors_in_order_then_url():
    sources = candidate_sources("f.gz", "http://127.0.0.1:1/canonical/f.gz", ["resources/mirror", "http://127.0.0.1:9/base/"])
    assert sources == ["resources/mirror/f.gz", "http://127.0.0.1:9/base/f.gz", "http://127.0.0.1:1/canonical/f.gz"]


# --- servers that misbehave: every limit fails the attempt, and the next source is tried ---

@pytest.fixture
def fetch_log(caplog):
    caplog.set_level(logging.INFO, logger="initlab.data.fetch")
    return caplog


def test_an_endless_body_is_cut_at_the_known_size_and_the_next_source_used(http_server, tmp_path, fetch_log):
    http_server.files["data.csv"] = BODY
    http_server.plan["data.csv"] = ["endless"]  # the first source (as a mirror) never stops sending
    assert fetch_from(http_server, tmp_path, mirrors=[http_server.url], retries=0) == f"{http_server.url}/data.csv"
    assert f"more than the expected {len(BODY)} bytes" in fetch_log.text
    assert http_server.sent["data.csv"] < 16 << 20  # cut early, not at the server's end (256 MiB)
    assert (tmp_path / "out" / "data.csv").read_bytes() == BODY and leftovers(tmp_path) == ["data.csv"]


def test_a_content_length_other_than_the_known_size_fails_before_reading(http_server, tmp_path):
    http_server.files["data.csv"] = BODY + b"more"
    with pytest.raises(FetchError, match=rf"announces {len(BODY) + 4} bytes \(Content-Length\), expected {len(BODY)}"):
        fetch_from(http_server, tmp_path, retries=0)
    assert leftovers(tmp_path) == []


def test_a_short_local_mirror_file_is_refused(tmp_path):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "data.csv").write_bytes(BODY)
    with pytest.raises(FetchError, match=rf"{len(BODY)} bytes, expected {len(BODY) + 1}"):
        fetch(name="data.csv", url=closed_port_url() + "/data.csv", checksum=sha1(BODY), size=len(BODY) + 1,
              mirrors=[mirror], target=tmp_path / "out" / "data.csv", retries=0, timeout=1)


@pytest.mark.parametrize("fault", ["trickle", "trickle_headers"])
def test_a_one_byte_per_second_trickle_is_cut_at_the_attempt_deadline(http_server, tmp_path, fault):
    http_server.files["data.csv"] = BODY
    http_server.plan["data.csv"] = [fault]
    deadline = fetch_module.attempt_deadline(len(BODY), 2.0, 0)  # each byte comes well within the 2 s read timeout
    start = time.monotonic()
    with pytest.raises(FetchError, match="deadline of one attempt"):
        fetch_from(http_server, tmp_path, retries=0, timeout=2.0)
    assert deadline < time.monotonic() - start < deadline + 5
    assert leftovers(tmp_path) == []


def test_a_trickle_is_cut_off_the_main_thread_too(http_server, tmp_path):
    """No alarm signal off the main thread: the body is read one socket read at a time and the clock checked."""
    http_server.files["data.csv"] = BODY
    http_server.plan["data.csv"] = ["trickle"]
    raised = []

    def run():
        try:
            fetch_from(http_server, tmp_path, retries=0, timeout=2.0)
        except FetchError as error:
            raised.append(error)

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(timeout=30)
    assert not worker.is_alive() and "deadline of one attempt passed" in str(raised[0])


def test_retry_after_is_capped_at_the_longest_backoff(http_server, tmp_path):
    http_server.files["data.csv"] = BODY
    http_server.plan["data.csv"] = ["retry_after"]  # 503 with Retry-After: 3600
    start = time.monotonic()
    fetch_from(http_server, tmp_path, retries=2)  # backoff 0.01: waits at most 0.02 s
    assert time.monotonic() - start < 5 and http_server.requests.count("data.csv") == 2


def test_a_malformed_content_length_fails_the_attempt_and_the_next_source_is_tried(http_server, tmp_path, fetch_log):
    http_server.files["data.csv"] = BODY
    http_server.plan["data.csv"] = ["bad_length"]
    assert fetch_from(http_server, tmp_path, mirrors=[http_server.url], retries=0) == f"{http_server.url}/data.csv"
    assert "malformed Content-Length header 'abc': expected a byte count" in fetch_log.text
    assert http_server.requests.count("data.csv") == 2


def test_the_url_that_answered_a_redirect_is_logged(http_server, tmp_path, fetch_log):
    other = Server()  # another port: another origin
    try:
        other.files["data.csv"] = BODY
        http_server.plan["data.csv"] = [("redirect", f"{other.url}/data.csv")]
        assert fetch_from(http_server, tmp_path, retries=0) == f"{http_server.url}/data.csv"
    finally:
        other.close()
    assert f"{http_server.url}/data.csv: redirected to {other.url}/data.csv" in fetch_log.text
    assert f"from {http_server.url}/data.csv (redirected to {other.url}/data.csv)" in fetch_log.text


KILLED = """
import sys
from initlab.data.fetch import fetch
fetch(name="data.csv", url=sys.argv[1], checksum=sys.argv[2], size=int(sys.argv[3]), mirrors=[], target=sys.argv[4],
      retries=0, timeout=5)
"""


def test_a_killed_fetch_leaves_no_temporary_file_after_the_next_run(http_server, tmp_path, fetch_log):
    http_server.files["data.csv"] = BODY
    http_server.plan["data.csv"] = ["trickle"]
    target = tmp_path / "out" / "data.csv"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    proc = subprocess.Popen([sys.executable, "-c", KILLED, f"{http_server.url}/data.csv", sha1(BODY), str(len(BODY)),
                             str(target)], env=env)
    for _ in range(300):  # the trickle has begun: the temporary file exists
        if http_server.sent.get("data.csv") and leftovers(tmp_path):
            break
        time.sleep(0.1)
    proc.kill()
    proc.wait(timeout=10)
    stale = leftovers(tmp_path)
    assert len(stale) == 1 and stale[0].startswith(".data.csv.") and stale[0].endswith(".tmp")  # kill -9: no cleanup
    fetch_from(http_server, tmp_path)
    assert leftovers(tmp_path) == ["data.csv"] and target.read_bytes() == BODY
    assert f"removed temporary files a killed fetch left: {stale[0]}" in fetch_log.text
