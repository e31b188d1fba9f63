"""Progress lines (initlab.infra.progress): every epoch in the job's log, few on the console."""

import pytest
from initlab.infra import joblog
from initlab.infra.progress import EpochProgress


pytestmark = pytest.mark.usefixtures("restore_root_logger")  # from conftest.py


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_every_epoch_is_logged_with_time_left_and_few_reach_the_console(tmp_path, capsys):
    log_path = tmp_path / "logs" / "train_fold" / "linear" / "default" / "fold1.log"
    log_path.parent.mkdir(parents=True)
    clock = Clock()
    with joblog.job_log(log_path):
        progress = EpochProgress("training", 10, every=10.0, clock=clock)
        for epoch in range(1, 11):
            clock.now += 4.0  # 4 s per epoch: a console line at most every 10 s, and the last one
            progress(epoch, loss=1.0 / epoch)
    lines = [line for line in log_path.read_text().splitlines() if "initlab.progress" in line]
    assert len(lines) == 10
    assert lines[0].endswith("training: epoch 1/10, loss 1, 4.0 s elapsed, ~36 s left")
    assert lines[-1].endswith("training: epoch 10/10, loss 0.1, 40.0 s elapsed, ~0 s left")
    console = capsys.readouterr().err.splitlines()
    assert console == [f"[train_fold/linear/default/fold1] training: epoch {e}/10, loss {1 / e:.4g}, "
                       f"{4.0 * e:.1f} s elapsed, ~{4.0 * (10 - e):.0f} s left" for e in (3, 6, 9, 10)]


def test_job_name_is_the_log_path_below_logs():
    assert joblog.job_name("results/logs/train_fold/mlp/ones/fold3.log") == "train_fold/mlp/ones/fold3"
    assert joblog.job_name("results/logs/summarize_search.log") == "summarize_search"
    assert joblog.job_name("/tmp/elsewhere/job.log") == "job"


def test_training_loops_report_each_epoch(tmp_path):
    import torch
    from initlab.core import regression
    from initlab.core.classify import train_classifier

    log_path = tmp_path / "job.log"
    x = torch.randn(40, 3)
    with joblog.job_log(log_path):
        regression.fit(torch.nn.Linear(3, 1), train_x=x, train_y=torch.rand(40, 1) + 1, epochs=3, batch_size=8,
                       optimizer=lambda p: torch.optim.SGD(p, lr=0.01), generator=torch.Generator().manual_seed(0))
        train_classifier(torch.nn.Linear(3, 2), train_x=x, train_y=(x[:, 0] > 0).long(), epochs=2, batch_size=8,
                         lr=0.1, generator=torch.Generator().manual_seed(0), device="cpu", optimizer="sgd")
    text = log_path.read_text()
    for epoch in (1, 2, 3):
        assert f"training: epoch {epoch}/3, train_log_rmse " in text
    assert "training: epoch 2/2, loss " in text
