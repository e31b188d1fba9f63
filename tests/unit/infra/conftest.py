"""Fixtures of the infra tests."""

import logging

import pytest


@pytest.fixture
def restore_root_logger():
    """The root logger's handlers and level as they were: job_log changes both for a job's duration."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
