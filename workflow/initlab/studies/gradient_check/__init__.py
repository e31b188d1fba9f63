"""Gradient checking and sanity checks (CS231n lecture 7 notes)."""
