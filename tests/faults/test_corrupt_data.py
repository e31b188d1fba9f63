"""Corrupt data: each bad file stops the run with an error naming the file and the problem, and the
failing job leaves nothing behind (no target, no temporary file under results/)."""

import gzip

import pytest
from initlab.data.fashion import IdxError, read_idx
from initlab.data.fetch import verify_file

from faults.conftest import FASHION, HOUSE, add_mirror, edit_csv, failure_text, mirror_bytes, result_files, temp_files

TRAIN_CSV, TEST_CSV = "kaggle_house_pred_train.csv", "kaggle_house_pred_test.csv"
LABELS_GZ = "train-labels-idx1-ubyte.gz"


def flip_byte(data, at):
    out = bytearray(data)
    out[at] ^= 0x01
    return bytes(out)


def drop_column(name):
    def edit(rows):
        at = rows[0].index(name)
        for row in rows:
            del row[at]

    return edit


def set_value(column, text):
    """Set `column` of the first data row to `text`."""

    def edit(rows):
        rows[1][rows[0].index(column)] = text

    return edit


def set_price(text):
    return set_value("SalePrice", text)


def assert_clean(wf, failed_outputs):
    """The failed jobs' outputs are absent, no temporary file is left, and every raw file left is verified."""
    left = result_files(wf)
    assert not left & set(failed_outputs), f"outputs of the failed job left behind: {left & set(failed_outputs)}"
    assert not temp_files(wf)
    files = wf.config["data"]["files"]
    for path in left:
        if path.startswith("results/data/raw/"):
            verify_file(wf.path / path, files[path.rsplit("/", 1)[-1]]["checksum"])


@pytest.mark.parametrize("fallback", [True, False], ids=["good-mirror-next", "no-good-source"])
def test_flipped_byte_in_mirror_is_rejected_by_checksum(offline, fallback):
    add_mirror(offline, {TRAIN_CSV: flip_byte(mirror_bytes(TRAIN_CSV), 1000)}, match_checksum=False, fallback=fallback)
    checksum = offline.config["data"]["files"][TRAIN_CSV]["checksum"]
    done = offline.run(HOUSE, check=False)
    text = failure_text(done, offline, f"results/logs/fetch_file/{TRAIN_CSV}.log")
    # the corrupt copy is named and rejected either way
    assert f"{TRAIN_CSV}: bad_mirror/{TRAIN_CSV} failed: sha1 mismatch: expected {checksum[5:]}" in text
    if fallback:
        assert done.returncode == 0, done.stdout[-3000:]
        assert f"verified sha1 {checksum[5:]} from resources/mirror/{TRAIN_CSV}" in text
        verify_file(offline.path / "results/data/raw" / TRAIN_CSV, checksum)
        return
    assert done.returncode != 0
    # the error lists each attempt with its own failure: the corrupt mirror copy, then the (refused) URL
    assert f"{TRAIN_CSV}: no source delivered a file with sha1 {checksum[5:]}; attempts:" in text
    assert f"  bad_mirror/{TRAIN_CSV}: sha1 mismatch" in text
    assert "Connection refused" in text
    assert_clean(offline, [f"results/data/raw/{TRAIN_CSV}", HOUSE])


def test_truncated_gz_fails_in_parsing(offline):
    good = mirror_bytes(LABELS_GZ)
    add_mirror(offline, {LABELS_GZ: good[: len(good) // 2]}, match_checksum=True)
    done = offline.run(FASHION, check=False)
    assert done.returncode != 0
    text = failure_text(done, offline, "results/logs/prepare_fashion_mnist.log")
    assert f"IdxError: results/data/raw/{LABELS_GZ}: not a complete gzip file" in text
    outputs = [f"results/data/fashion_mnist/{name}" for name in ("train.npz", "valid.npz", "test.npz", "summary.json")]
    assert_clean(offline, outputs)


def test_gzip_crc_error_names_file(tmp_path):
    """A flipped byte inside the deflate stream (checksum published for the bad file) fails gzip's CRC."""
    data = bytearray(gzip.compress(b"\x00\x00\x08\x01" + (4).to_bytes(4, "big") + bytes([1, 2, 3, 4]), mtime=0))
    data[-5] ^= 0xFF  # inside the CRC32/ISIZE trailer
    path = tmp_path / "labels.gz"
    path.write_bytes(bytes(data))
    with pytest.raises(IdxError, match=r"labels\.gz: not a complete gzip file \(.*CRC"):
        read_idx(path, 0x00000801)


def test_html_error_page_served_as_csv(offline, http_server):
    page = b"<!DOCTYPE html>\n<html><head><title>503 Service Unavailable</title></head>\n<body>busy</body></html>\n"
    http_server.files[TRAIN_CSV] = page
    add_mirror(offline, {TRAIN_CSV: page}, source=http_server.url, match_checksum=True)
    done = offline.run(HOUSE, check=False)
    assert done.returncode != 0
    text = failure_text(done, offline, "results/logs/prepare_house_prices.log")
    assert f"HouseDataError: results/data/raw/{TRAIN_CSV}: is an HTML/XML page" in text
    assert TRAIN_CSV in http_server.requests
    assert_clean(offline, [HOUSE, "results/data/house_prices/summary.json"])


@pytest.mark.parametrize(
    "name, edit, message",
    [
        (TRAIN_CSV, drop_column("SalePrice"), f"results/data/raw/{TRAIN_CSV}: missing column(s) ['SalePrice']"),
        (TEST_CSV, drop_column("LotArea"), f"results/data/raw/{TEST_CSV}: columns differ from "
         f"results/data/raw/{TRAIN_CSV} (minus SalePrice): missing ['LotArea'], unexpected []"),
        (TRAIN_CSV, set_price("abc"), f"results/data/raw/{TRAIN_CSV}: SalePrice must be a positive number; "
         "1 row(s) are not, e.g. Id 1 has 'abc'"),
        (TRAIN_CSV, set_price("1e400"), f"results/data/raw/{TRAIN_CSV}: SalePrice must be a positive number; "
         "1 row(s) are not, e.g. Id 1 has inf"),
        (TEST_CSV, set_value("LotArea", "-1e999"), f"results/data/raw/{TEST_CSV}: column LotArea holds an "
         "infinite value at Id 1461 (1 in all); expected finite numbers"),
    ],
    ids=["train-missing-SalePrice", "test-missing-LotArea", "non-numeric-SalePrice", "infinite-SalePrice",
         "infinite-feature"],
)
def test_bad_csv_content(offline, name, edit, message):
    add_mirror(offline, {name: edit_csv(mirror_bytes(name), edit)}, match_checksum=True)
    done = offline.run(HOUSE, check=False)
    assert done.returncode != 0
    assert message in failure_text(done, offline, "results/logs/prepare_house_prices.log")
    assert_clean(offline, [HOUSE, "results/data/house_prices/summary.json"])
