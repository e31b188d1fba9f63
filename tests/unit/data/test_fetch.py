"""Hash-verified fetching against a local HTTP server on 127.0.0.1 and local mirrors."""

import hashlib
import socket

import pytest
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


def fetch_from(server, tmp_path, *, mirrors=(), checksum=None, retries=2, timeout=5.0, url=None):
    return fetch(name="data.csv", url=url or f"{server.url}/data.csv", checksum=checksum or sha1(BODY),
                 mirrors=list(mirrors), target=tmp_path / "out" / "data.csv", retries=retries, backoff=0.01,
                 timeout=timeout)


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
