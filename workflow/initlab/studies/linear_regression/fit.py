"""Linear regression three ways (d2l): from scratch, concise, closed form.

Data: y = X w + b + noise, X ~ N(0, 1) of shape (examples, len(w)), noise ~ N(0, noise^2).
Every epoch loss is d2l's printed number: the mean over all examples of (y_hat - y)^2 / 2,
for every method (d2l's concise version prints nn.MSELoss, twice that; we keep one definition).
"""

import torch
from torch import nn

from initlab.core.batches import shuffled_batches
from initlab.core.optimizers import optimizer_factory


def synthetic_data(w, b, examples, noise, generator):
    """X (examples, len(w)) and y (examples, 1), float32, drawn from `generator`."""
    w = torch.as_tensor(w, dtype=torch.float32)
    x = torch.normal(0.0, 1.0, (examples, len(w)), generator=generator)
    y = x @ w + b + torch.normal(0.0, noise, (examples,), generator=generator)
    return x, y.reshape(-1, 1)


def data_iter(batch_size, features, labels, generator):
    """Yield (X, y) minibatches in a fresh random order; the last one may be smaller."""
    for index in shuffled_batches(len(features), batch_size, generator):
        yield features[index], labels[index]


def linreg(x, w, b):
    return x @ w + b


def squared_loss(y_hat, y):
    """Per-example (y_hat - y)^2 / 2, not averaged: (batch, 1)."""
    return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2


def sgd(params, lr, batch_size):
    """params -= lr * grad / batch_size, then zero the grads. Pass the batch's actual size:
    d2l divides by the nominal size, which shrinks the step of a smaller last batch."""
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()


def epoch_loss(x, y, w, b):
    with torch.no_grad():
        return float(squared_loss(linreg(x, w, b), y).mean())


def train_scratch(x, y, *, lr, batch_size, epochs, generator, init_std=0.01):
    """From scratch: w ~ N(0, init_std^2), b = 0, own iterator and SGD. Returns (w (d,), b, losses)."""
    w = torch.normal(0.0, init_std, (x.shape[1], 1), generator=generator).requires_grad_()
    b = torch.zeros(1, requires_grad=True)
    losses = []
    for _ in range(epochs):
        for xb, yb in data_iter(batch_size, x, y, generator):
            squared_loss(linreg(xb, w, b), yb).sum().backward()
            sgd([w, b], lr, len(yb))
        losses.append(epoch_loss(x, y, w, b))
    return w.detach().reshape(-1), float(b.detach()), losses


def train_concise(x, y, *, lr, batch_size, epochs, generator, init_std=0.01):
    """Concise: nn.Linear + nn.MSELoss + torch.optim.SGD, same init and batch order as d2l."""
    net = nn.Linear(x.shape[1], 1)
    with torch.no_grad():
        net.weight.copy_(torch.normal(0.0, init_std, net.weight.shape, generator=generator))
        net.bias.zero_()
    loss, trainer = nn.MSELoss(), optimizer_factory("sgd", lr=lr)(net.parameters())  # torch.optim.SGD
    losses = []
    for _ in range(epochs):
        for xb, yb in data_iter(batch_size, x, y, generator):
            trainer.zero_grad()
            loss(net(xb), yb).backward()
            trainer.step()
        losses.append(epoch_loss(x, y, net.weight.detach().T, net.bias.detach()))
    return net.weight.detach().reshape(-1), float(net.bias.detach()), losses


def closed_form(x, y):
    """Least squares on [X, 1] in float64: returns (w (d,), b)."""
    design = torch.cat([x, torch.ones(len(x), 1)], dim=1).double()
    solution = torch.linalg.lstsq(design, y.double()).solution.reshape(-1)
    return solution[:-1].float(), float(solution[-1])


def fit_all(*, w, b, examples, noise, lr, batch_size, epochs, seed, init_std=0.01):
    """Generate the data and fit it three ways. Returns (x, y, rows): one row per method with
    method, losses (per epoch; [] for the closed form), final_loss, w_hat, b_hat, w_error, b_error
    (w_error: largest |w - w_hat| over components)."""
    generator = torch.Generator().manual_seed(seed)
    x, y = synthetic_data(w, b, examples, noise, generator)
    true_w = torch.as_tensor(w, dtype=torch.float32)
    fits = {
        "scratch": train_scratch(x, y, lr=lr, batch_size=batch_size, epochs=epochs, generator=generator,
                                 init_std=init_std),
        "concise": train_concise(x, y, lr=lr, batch_size=batch_size, epochs=epochs, generator=generator,
                                 init_std=init_std),
        "closed_form": (*closed_form(x, y), []),
    }
    rows = []
    for method, (w_hat, b_hat, losses) in fits.items():
        rows.append(dict(
            method=method, losses=losses, final_loss=epoch_loss(x, y, w_hat.reshape(-1, 1), b_hat),
            w_hat=w_hat.tolist(), b_hat=b_hat, w_error=float((true_w - w_hat).abs().max()), b_error=abs(b - b_hat),
        ))
    return x, y, rows
