"""Hash-verified downloads: mirrors first, then the canonical URL.

Every candidate source is streamed into a temporary file beside the target and
hashed while streaming; only a file whose checksum matches is renamed onto the
target, so the target is either absent or verified.
"""

import hashlib
import logging
from pathlib import Path
from urllib.parse import urlparse

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from initlab.infra.atomic import atomic_path
from initlab.infra.progress import CONSOLE

ALGORITHMS = ("md5", "sha1", "sha256")
CHUNK = 1 << 20  # bytes per read: 1 MiB


class FetchError(RuntimeError):
    """No source delivered a file with the expected checksum."""


class ChecksumMismatch(ValueError):
    """A file's content does not match its published checksum."""


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
    """A requests session that retries connection errors and 429/5xx answers with exponential backoff."""
    retry = Retry(
        total=retries,
        backoff_factor=backoff,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=("GET",),
        raise_on_status=False,
    )
    session = requests.Session()
    session.mount("http://", HTTPAdapter(max_retries=retry))
    session.mount("https://", HTTPAdapter(max_retries=retry))
    return session


def fetch(*, name, url, checksum, mirrors, target, retries=3, backoff=0.5, timeout=30.0, log=None):
    """Fetch `name` into `target` from the first source whose bytes match `checksum`.

    Returns the source that succeeded. Raises FetchError listing every attempt.
    `timeout` (seconds) bounds the connection and each read; a stalled server fails the attempt.
    """
    log = log or logging.getLogger(__name__)
    algorithm, expected = parse_checksum(checksum)
    attempts = []
    with http_session(retries, backoff) as session:
        for source in candidate_sources(name, url, mirrors):
            try:
                with atomic_path(target) as tmp:
                    actual = _copy_hashing(source, tmp, algorithm, session, timeout, log)
                    if actual != expected:
                        raise ChecksumMismatch(f"{algorithm} mismatch: expected {expected}, got {actual}")
                log.info("%s: verified %s %s from %s", name, algorithm, expected, source)
                return source
            except (OSError, requests.RequestException, ChecksumMismatch) as error:
                log.warning("%s: %s failed: %s", name, source, error)
                attempts.append(f"  {source}: {error}")
    raise FetchError(f"{name}: no source delivered a file with {algorithm} {expected}; attempts:\n" + "\n".join(attempts))


def _copy_hashing(source, tmp, algorithm, session, timeout, log):
    digest = hashlib.new(algorithm)
    with open(tmp, "wb") as out:
        if urlparse(source).scheme in ("http", "https"):
            with session.get(source, stream=True, timeout=timeout) as response:
                response.raise_for_status()
                total = int(response.headers.get("Content-Length") or 0)
                chunks = response.iter_content(CHUNK)
                _stream(chunks, out, digest, total, source, log)
        else:
            with open(source, "rb") as src:
                _stream(iter(lambda: src.read(CHUNK), b""), out, digest, Path(source).stat().st_size, source, log)
    return digest.hexdigest()


def _stream(chunks, out, digest, total, source, log):
    done, next_report = 0, 0.0
    for chunk in chunks:
        out.write(chunk)
        digest.update(chunk)
        done += len(chunk)
        if total and done / total >= next_report:
            log.info("%s: %d/%d bytes (%.0f%%)", source, done, total, 100 * done / total, extra=CONSOLE)
            next_report += 0.25
    log.info("%s: %d bytes read", source, done, extra=CONSOLE)

