"""Keeping and comparing runs: a snapshot of a run's config, code version, summary tables and curves
(snapshot.py), and the comparison of two runs with verdicts against the seed or fold spread (compare.py)."""
