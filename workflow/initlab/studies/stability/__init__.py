"""Numerical stability: powers, matrix products, depth statistics, training diagnostics (d2l, CS231n)."""
