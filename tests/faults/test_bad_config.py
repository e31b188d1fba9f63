"""Bad config end to end: snakemake stops before any job, naming the key (the in-process table of every key's
bad values is tests/unit/infra/test_bad_config.py); optional keys left out are filled from the schema defaults."""

import pytest
from unit.infra.test_bad_config import A_FILE, with_value


@pytest.mark.parametrize(
    "path, value, message",
    [
        (("data", "timeout"), 0, "config key 'data.timeout': 0 is less than or equal to the minimum of 0"),
        (("data", "files", A_FILE, "url"), "ftp://x/y", f"config key 'data.files.{A_FILE}.url': 'ftp://x/y'"),
    ],
)
def test_snakemake_stops_before_any_job(workflow_copy, path, value, message):
    workflow_copy.set_config(with_value(path, value))
    done = workflow_copy.run("data", check=False)
    assert done.returncode != 0
    assert "ConfigError" in done.stdout and message in done.stdout
    assert not (workflow_copy.path / "results").exists() and "Select jobs to execute" not in done.stdout


def test_defaults_are_still_filled(workflow_copy):
    """Removing optional keys is valid: Snakemake's validate fills the schema defaults (the dry run plans jobs)."""
    config = workflow_copy.config
    del config["fashion_mnist"], config["data"]["retries"], config["device"]
    workflow_copy.set_config(config)
    assert workflow_copy.dry_run_jobs("data")["fetch_file"] == 6
