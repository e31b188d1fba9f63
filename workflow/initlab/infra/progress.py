"""Progress lines of a running job: every epoch in the job's log, every few seconds on stderr.

Snakemake shows a job's stderr on its console (and SLURM in the job's output file), so a long run
shows where each job is. The log file gets one line per epoch; the console gets one line at most
every `every` seconds per job, and the last epoch's, so eight jobs at once do not flood it.
infra.joblog sends the records marked CONSOLE to stderr, prefixed with the job's name.
"""

import logging
import time

CONSOLE = {"console": True}  # `extra=` of a log record that belongs on the console too
EVERY = 10.0  # seconds between console lines of one job

log = logging.getLogger("initlab.progress")


class EpochProgress:
    """Call once per finished epoch: progress(epoch, train_loss=0.31, ...) logs epoch/total, the
    metrics, seconds elapsed and an estimate of the seconds left (elapsed per epoch x epochs left)."""

    def __init__(self, what, total, every=EVERY, clock=time.monotonic):
        self.what, self.total, self.every, self.clock = what, total, every, clock
        self.start = self.last_console = clock()

    def __call__(self, epoch, **metrics):
        now = self.clock()
        elapsed = now - self.start
        left = elapsed / epoch * (self.total - epoch) if epoch else float("nan")
        values = ", ".join(f"{name} {value:.4g}" for name, value in metrics.items())
        console = epoch >= self.total or now - self.last_console >= self.every
        if console:
            self.last_console = now
        log.info("%s: epoch %d/%d%s, %.1f s elapsed, ~%.0f s left", self.what, epoch, self.total,
                 f", {values}" if values else "", elapsed, left, extra=CONSOLE if console else None)
