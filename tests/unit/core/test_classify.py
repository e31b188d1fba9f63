"""initlab.core.classify: the shared classifier training loop and accuracy."""

import math

import pytest
import torch
from initlab.core.classify import accuracy, evaluate, predict, train_classifier, train_mlp
from initlab.core.optimizers import optimizer_factory
from torch import nn
from torch.nn import functional as F


def toy_data(n=250, features=6, classes=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, features, generator=g)
    y = (x[:, :classes].argmax(1)).long()  # learnable: the largest of the first `classes` features
    return x, y


def toy_model(features=6, classes=3, seed=1):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(features, 16), nn.ReLU(), nn.Linear(16, classes))


def test_matches_reference_loop_over_the_same_permutations():
    """Oracle: an explicit loop over randperm splits (DataLoader(shuffle=True) semantics) gives the same weights."""
    x, y = toy_data()
    ours, ref = toy_model(), toy_model()
    record = train_classifier(ours, train_x=x, train_y=y, epochs=2, batch_size=32, lr=0.01,
                              generator=torch.Generator().manual_seed(5), device="cpu")
    g = torch.Generator().manual_seed(5)
    opt = torch.optim.Adam(ref.parameters(), lr=0.01)
    losses = []
    for _ in range(2):
        for idx in torch.randperm(len(x), generator=g).split(32):  # 7 full batches and one of 26
            loss = F.cross_entropy(ref(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
    assert record["steps"] == 2 * math.ceil(250 / 32) == len(record["batch_losses"])
    assert record["batch_losses"] == pytest.approx(losses, abs=0, rel=0)
    for a, b in zip(ours.parameters(), ref.parameters()):
        assert torch.equal(a, b)
    assert record["epoch_losses"] == pytest.approx([sum(losses[:8]) / 8, sum(losses[8:]) / 8], rel=1e-6)
    assert record["diverged"] is False


def test_first_loss_is_ln_classes_for_a_zero_output_layer():
    x, y = toy_data(classes=3)
    model = toy_model()
    nn.init.zeros_(model[2].weight)
    nn.init.zeros_(model[2].bias)
    record = train_classifier(model, train_x=x, train_y=y, epochs=1, batch_size=50, lr=1e-3,
                              generator=torch.Generator().manual_seed(0), device="cpu")
    assert record["batch_losses"][0] == pytest.approx(math.log(3), rel=1e-6)


def test_learns_a_separable_problem():
    x, y = toy_data(n=600)
    model = toy_model()
    before = accuracy(model, x, y, batch_size=128)
    record = train_classifier(model, train_x=x, train_y=y, epochs=20, batch_size=50, lr=0.01,
                              generator=torch.Generator().manual_seed(0), device="cpu")
    assert record["epoch_losses"][-1] < record["epoch_losses"][0] / 3
    assert accuracy(model, x, y, batch_size=128) > max(0.9, before)


def test_divergence_is_recorded_and_training_stops():
    x, y = toy_data()
    model = toy_model()
    record = train_classifier(model, train_x=x * 1e3, train_y=y, epochs=5, batch_size=25, lr=1e6,
                              optimizer="sgd", generator=torch.Generator().manual_seed(0), device="cpu")
    assert record["diverged"] is True
    assert not math.isfinite(record["batch_losses"][-1])
    assert all(math.isfinite(v) for v in record["batch_losses"][:-1])
    assert len(record["epoch_losses"]) < 5  # the diverged epoch has no mean and later epochs did not run


class Recorder:
    def __init__(self):
        self.calls = []

    def before_step(self, step, model):
        self.calls.append(("before", step, model[0].weight.detach().clone()))

    def after_step(self, step, model, loss):
        self.calls.append(("after", step, model[0].weight.detach().clone(), float(loss)))


def test_observer_sees_each_step_before_and_after_the_update():
    x, y = toy_data(n=100)
    model, obs = toy_model(), Recorder()
    record = train_classifier(model, train_x=x, train_y=y, epochs=2, batch_size=40, lr=0.01,
                              generator=torch.Generator().manual_seed(0), device="cpu", observer=obs)
    assert [c[:2] for c in obs.calls] == [(k, s) for s in range(6) for k in ("before", "after")]
    for before, after in zip(obs.calls[::2], obs.calls[1::2]):
        assert not torch.equal(before[2], after[2])  # the optimizer step happened in between
    assert [c[3] for c in obs.calls[1::2]] == pytest.approx(record["batch_losses"], rel=0, abs=0)


def test_optimizer_kwargs_and_schedules():
    x, y = toy_data(n=100)
    step_lr = lambda opt: torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.1)  # noqa: E731
    record = train_classifier(toy_model(), train_x=x, train_y=y, epochs=3, batch_size=50, lr=1.0,
                              optimizer="sgd", optimizer_kwargs={"momentum": 0.9}, scheduler=step_lr,
                              generator=torch.Generator().manual_seed(0), device="cpu")
    assert record["lrs"] == pytest.approx([1.0, 0.1, 0.01])
    per_step = train_classifier(toy_model(), train_x=x, train_y=y, epochs=2, batch_size=50, lr=1.0,
                                optimizer="sgd", scheduler=step_lr, schedule_every="step",
                                generator=torch.Generator().manual_seed(0), device="cpu")
    assert per_step["lrs"] == pytest.approx([1.0, 0.01])  # two steps per epoch
    with pytest.raises(KeyError, match="optimizer 'lbfgs2'"):
        train_classifier(toy_model(), train_x=x, train_y=y, epochs=1, batch_size=50, lr=0.1, optimizer="lbfgs2",
                         generator=torch.Generator().manual_seed(0), device="cpu")


def test_a_registry_name_and_its_factory_train_identically():
    x, y = toy_data(n=100)
    runs = []
    for optimizer in ("momentum", optimizer_factory("momentum")):
        torch.manual_seed(0)
        model = toy_model()
        train_classifier(model, train_x=x, train_y=y, epochs=2, batch_size=30, lr=0.1, optimizer=optimizer,
                         generator=torch.Generator().manual_seed(1), device="cpu")
        runs.append(torch.cat([p.detach().flatten() for p in model.parameters()]))
    assert torch.equal(*runs)


def test_accuracy_runs_with_dropout_off_and_restores_the_mode():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3), nn.Dropout(0.9))
    x = torch.randn(300, 4)
    expected = model[0](x).argmax(1)  # eval-mode dropout is the identity
    y = expected.clone()
    y[:30] = (y[:30] + 1) % 3  # exactly 30 wrong labels
    model.train()
    assert accuracy(model, x, y, batch_size=64) == pytest.approx(0.9)
    assert model.training
    assert torch.equal(predict(model, x, batch_size=7), expected)
    assert model.training
    with pytest.raises(ValueError, match="300 inputs but 2 labels"):
        accuracy(model, x, y[:2], batch_size=64)


def test_evaluate_sums_cross_entropy_and_counts_hits_in_chunks():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3), nn.Dropout(0.5))
    x, y = torch.randn(50, 4), torch.randint(0, 3, (50,))
    model.train()
    loss, acc = evaluate(model, x, y, batch_size=7)
    with torch.no_grad():
        logits = model[0](x)
    assert loss == pytest.approx(float(nn.functional.cross_entropy(logits, y)), rel=1e-6)
    assert acc == float((logits.argmax(1) == y).double().mean()) and model.training


def test_train_mlp_initializes_unless_told_to_keep_construction_weights():
    x, y = toy_data(n=60)
    built = {}
    for initializer in (None, "zeros"):
        torch.manual_seed(0)
        model, record = train_mlp(train=(x, y), hidden=[5], activation="relu", dropout=0.0, initializer=initializer,
                                  batch_seed=0, epochs=1, batch_size=60, lr=0.0, optimizer="sgd", device="cpu",
                                  classes=3)
        built[initializer] = model.layers[0].weight.detach()
        assert record["steps"] == 1 and model.layers[-1].out_features == 3
    torch.manual_seed(0)
    assert torch.equal(built[None], nn.Linear(x.shape[1], 5).weight.detach())  # lr 0: the construction draw
    assert not built["zeros"].any()
