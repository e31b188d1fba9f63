"""Hash-verified downloads: mirrors first, then the canonical URL.

Every candidate source is streamed into a temporary file beside the target and
hashed while streaming; only a file whose checksum matches is renamed onto the
target, so the target is either absent or verified. Downloaded bytes are not
trusted (docs/security.md): each attempt stops past the file's known size and
at a total deadline, a server's Retry-After is capped, a malformed header fails
the attempt like any other error, and the URL that answered is logged.
"""

import hashlib
import logging
import signal
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from initlab.infra.atomic import atomic_path, remove_stale
from initlab.infra.progress import CONSOLE

ALGORITHMS = ("md5", "sha1", "sha256")
CHUNK = 1 << 20  # bytes per read, at most: 1 MiB
MIN_RATE = 64 << 10  # bytes/s: the slowest average rate an attempt may have; sets its deadline (attempt_deadline)


class FetchError(RuntimeError):
    """No source delivered a file with the expected checksum."""


class ChecksumMismatch(ValueError):
    """A file's content does not match its published checksum."""


class AttemptFailed(Exception):
    """One source's answer broke a limit or was malformed; the next source is tried.
    Not an OSError: urllib3 would take it for a connection error and retry it."""


def attempt_deadline(size, timeout, retries):
    """Seconds one source may take in all, retries included: `timeout` per try, plus `size` bytes at MIN_RATE."""
    return (retries + 1) * timeout + size / MIN_RATE


def parse_checksum(checksum):
    """Split 'sha1:<hex>' into ('sha1', '<hex>'), rejecting unknown algorithms."""
    algorithm, _, digest = checksum.partition(":")
    if algorithm not in ALGORITHMS or not digest:
        raise ValueError(f"checksum {checksum!r}: expected '<algorithm>:<hex digest>' with algorithm one of {ALGORITHMS}")
    return algorithm, digest.lower()


def file_digest(path, algorithm):
    with open(path, "rb") as f:
        return hashlib.file_digest(f, algorithm).hexdigest()


def verify_file(path, checksum):
    """Raise ChecksumMismatch, with the way to refetch, if `path` no longer matches `checksum`."""
    algorithm, expected = parse_checksum(checksum)
    actual = file_digest(path, algorithm)
    if actual != expected:
        raise ChecksumMismatch(
            f"{path}: {algorithm} is {actual}, expected {expected}. The file was edited or corrupted after "
            f"it was verified; delete it (or run `snakemake --cores 8 --forcerun fetch_file`) to fetch it again."
        )
    return path


def candidate_sources(name, url, mirrors):
    """Sources in the order they are tried: each mirror (directory or base URL), then `url`."""
    sources = []
    for mirror in mirrors:
        mirror = str(mirror)
        if urlparse(mirror).scheme in ("http", "https"):
            sources.append(mirror.rstrip("/") + "/" + name)
        else:
            sources.append(str(Path(mirror) / name))
    return sources + [url]


def http_session(retries, backoff):
    """A requests session that retries connection errors and 429/5xx answers with exponential backoff.

    A server's Retry-After is obeyed up to the longest backoff these retries would wait
    (backoff * 2**(retries - 1)), not for as long as it says. Bodies are asked for and kept as stored
    (no Content-Encoding): the checksum and size are those of the published file.
    """
    cap = backoff * 2 ** max(retries - 1, 0)
    retry = Retry(
        total=retries,
        backoff_factor=backoff,
        backoff_max=cap,
        retry_after_max=cap,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=("GET",),
        raise_on_status=False,
    )
    session = requests.Session()
    session.headers["Accept-Encoding"] = "identity"
    session.mount("http://", HTTPAdapter(max_retries=retry))
    session.mount("https://", HTTPAdapter(max_retries=retry))
    return session


def fetch(*, name, url, checksum, size, mirrors, target, retries=3, backoff=0.5, timeout=30.0, log=None):
    """Fetch `name` into `target` from the first source whose bytes match `checksum` and `size` (bytes).

    Returns the source that succeeded. Raises FetchError listing every attempt.
    `timeout` (seconds) bounds the connection and each read; attempt_deadline bounds a source in all; an
    answer longer than `size` is cut there.
    """
    log = log or logging.getLogger(__name__)
    algorithm, expected = parse_checksum(checksum)
    stale = remove_stale(target)
    if stale:
        log.info("%s: removed temporary files a killed fetch left: %s", name, ", ".join(stale))
    deadline = attempt_deadline(size, timeout, retries)
    attempts = []
    with http_session(retries, backoff) as session:
        for source in candidate_sources(name, url, mirrors):
            try:
                with atomic_path(target) as tmp, _alarm(deadline):
                    actual, final = _copy_hashing(source, tmp, algorithm, size, session, timeout, log,
                                                  time.monotonic() + deadline)
                    if actual != expected:
                        raise ChecksumMismatch(f"{algorithm} mismatch: expected {expected}, got {actual}")
                via = "" if final == source else f" (redirected to {final})"
                log.info("%s: verified %s %s from %s%s", name, algorithm, expected, source, via)
                return source
            except (OSError, requests.RequestException, urllib3.exceptions.HTTPError, ChecksumMismatch,
                    AttemptFailed) as error:
                log.warning("%s: %s failed: %s", name, source, error)
                attempts.append(f"  {source}: {error}")
    raise FetchError(f"{name}: no source delivered a file with {algorithm} {expected}; attempts:\n" + "\n".join(attempts))


@contextmanager
def _alarm(seconds):
    """Raise AttemptFailed in this thread after `seconds`, wherever it waits (a server that trickles its
    headers too). Signals reach only the main thread; elsewhere _stream checks the clock between reads."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise AttemptFailed(f"no complete answer within {seconds:.1f} s (the deadline of one attempt)")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _content_length(headers):
    """The announced body length, None when not announced or encoded; AttemptFailed when malformed."""
    value = headers.get("Content-Length")
    if value is None or headers.get("Content-Encoding", "identity") != "identity":
        return None
    if not value.strip().isdigit():
        raise AttemptFailed(f"malformed Content-Length header {value[:40]!r}: expected a byte count")
    return int(value)


def _copy_hashing(source, tmp, algorithm, size, session, timeout, log, stop):
    """Copy `source` into `tmp`; returns (hex digest, the URL or path that answered)."""
    digest = hashlib.new(algorithm)
    with open(tmp, "wb") as out:
        if urlparse(source).scheme not in ("http", "https"):
            with open(source, "rb") as src:
                _stream(iter(lambda: src.read(CHUNK), b""), out, digest, size, source, log, stop)
            return digest.hexdigest(), source
        with session.get(source, stream=True, timeout=timeout) as response:
            final = response.url
            if final != source:
                log.info("%s: redirected to %s", source, final)
            if urlparse(source).scheme == "https" and urlparse(final).scheme != "https":
                raise AttemptFailed(f"redirected from https to {final}: expected https throughout")
            response.raise_for_status()
            announced = _content_length(response.headers)
            if announced is not None and announced != size:
                raise AttemptFailed(f"the answer announces {announced} bytes (Content-Length), expected {size}")
            # read1: at most one socket read per chunk, so the deadline is checked however slowly bytes come
            chunks = iter(lambda: response.raw.read1(CHUNK, decode_content=False), b"")
            _stream(chunks, out, digest, size, final, log, stop)
    return digest.hexdigest(), final


def _stream(chunks, out, digest, size, source, log, stop):
    done, next_report = 0, 0.0
    for chunk in chunks:
        done += len(chunk)
        if done > size:
            raise AttemptFailed(f"more than the expected {size} bytes: stopped after {done}")
        if time.monotonic() > stop:
            raise AttemptFailed(f"{done} of {size} bytes when the deadline of one attempt passed")
        out.write(chunk)
        digest.update(chunk)
        if done / max(size, 1) >= next_report:
            log.info("%s: %d/%d bytes (%.0f%%)", source, done, size, 100 * done / max(size, 1), extra=CONSOLE)
            next_report += 0.25
    if done != size:
        raise AttemptFailed(f"{done} bytes, expected {size}")
    log.info("%s: %d bytes read", source, done, extra=CONSOLE)
