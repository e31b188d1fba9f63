"""Job plumbing: atomic writes, job logs, per-job runtime (threads, seeds, device), GPU slots, code inputs, config checks."""
