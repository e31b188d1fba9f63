"""Numerical gradient checking, as the CS231n notes prescribe.

- centered differences (f(x+h) - f(x-h)) / 2h, in float64 (parameters must be float64);
- relative error |a - n| / max(|a|, |n|), 0 where both are 0;
- a verdict per entry from the notes' thresholds (VERDICTS);
- sparse checks: `entries` sampled entries from every parameter tensor, biases included;
- kinks: ReLU/max-style branch patterns are recorded at x+h and x-h; an entry whose two sides
  disagree crossed a kink, and its numeric slope is not trusted (verdict "kink", not a failure);
- stochastic layers: every evaluation (analytic and both numeric sides) runs under the same
  RNG seed, so dropout draws the same mask each time;
- separate terms: each named loss term (data loss, regularization) is checked on its own.

Everything here returns values; nothing prints.
"""

from dataclasses import asdict, dataclass

import torch

from initlab.published import CS231N_CORRECT, CS231N_SUSPECT, CS231N_WRONG
from initlab.studies.gradient_check.kinks import KinkRecorder, same_side

# Entry verdicts, from best to worst; a tensor's verdict is the worst of its entries.
VERDICTS = ("correct", "acceptable", "below_precision", "kink", "suspect", "wrong")
UNJUDGED = ("below_precision", "kink")  # verdicts that say relative error cannot judge the entry
EPS64 = torch.finfo(torch.float64).eps


def relative_error(analytic, numeric):
    """|a - n| / max(|a|, |n|) elementwise; 0 where both are exactly 0 (float64 tensors)."""
    scale = torch.maximum(analytic.abs(), numeric.abs())
    error = (analytic - numeric).abs() / scale
    return torch.where(scale == 0, torch.zeros_like(error), error)


def verdict(error, *, kink=False, below_precision=False):
    """The notes' reading of one relative error.

    With CS231n's thresholds (published.py): > CS231N_WRONG wrong; CS231N_SUSPECT .. CS231N_WRONG suspect;
    CS231N_CORRECT .. CS231N_SUSPECT acceptable only where a kink was crossed (too high for a smooth
    objective, so "suspect" otherwise); <= CS231N_CORRECT correct. An entry that
    crossed a kink with a larger error is "kink": the numeric slope straddles two branches and
    proves nothing. An entry whose discrepancy |a - n| is within the rounding floor of the
    difference quotient (see `check`) is "below_precision": float64 cannot resolve it.
    """
    if error <= CS231N_CORRECT:
        return "correct"
    if kink:
        return "acceptable" if error <= CS231N_SUSPECT else "kink"
    if below_precision:
        return "below_precision"
    return "wrong" if error > CS231N_WRONG else "suspect"


def worst(verdicts):
    """The worst verdict in an iterable (VERDICTS order); "correct" for an empty one."""
    return max(verdicts, key=VERDICTS.index, default="correct")


def _evaluate(loss_fn, seed):
    """loss_fn() under RNG seed `seed`, leaving the global CPU generator as it was."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return loss_fn()


@dataclass(frozen=True)
class Entry:
    term: str
    parameter: str
    index: tuple
    analytic: float
    numeric: float
    rel_error: float
    kink: bool
    noise: float  # rounding floor of the difference quotient: eps * max|f(x±h)| / h
    verdict: str


def check(terms, parameters, *, h=1e-5, entries=10, seed=0, noise_factor=100.0):
    """Check the analytic gradient of each loss term against centered differences.

    terms: {name: fn}, each fn() returns a scalar float64 tensor computed from `parameters`
        (data loss and regularization as separate terms, as the notes advise).
    parameters: {name: float64 leaf tensor requiring grad}, e.g. dict(model.named_parameters()).
    entries: entries sampled per tensor (all of them when a tensor has fewer), without
        replacement, by a torch.Generator seeded with `seed`; the same entries for every term.
    seed: also the RNG seed of every evaluation, so dropout masks agree on both sides.
    noise_factor: an entry with |a - n| <= noise_factor * noise is "below_precision", where
        noise = eps * max|f(x±h)| / h is the rounding error of one difference quotient. It
        matters only for gradients near 0, where rounding dominates the relative error.
    Returns a list of Entry; parameters are restored bit for bit.
    """
    for name, p in parameters.items():
        if p.dtype != torch.float64:
            raise TypeError(f"parameter {name!r} is {p.dtype}; gradient checks need float64 (model.double())")
    generator = torch.Generator().manual_seed(seed)
    picks = {}
    for name, p in parameters.items():
        flat = torch.randperm(p.numel(), generator=generator)[: min(entries, p.numel())]
        picks[name] = [tuple(int(i) for i in torch.unravel_index(k, p.shape)) for k in flat.sort().values]
    results = []
    for term, loss_fn in terms.items():
        tensors = list(parameters.values())
        loss = _evaluate(loss_fn, seed)
        grads = torch.autograd.grad(loss, tensors, allow_unused=True)
        for (name, p), grad in zip(parameters.items(), grads):
            for index in picks[name]:
                results.append(_check_entry(term, loss_fn, name, p, index, grad, h, seed, noise_factor))
    return results


def _check_entry(term, loss_fn, name, p, index, grad, h, seed, noise_factor):
    analytic = 0.0 if grad is None else float(grad[index])
    original = p.detach()[index].clone()
    values, patterns = [], []
    with torch.no_grad():
        for step in (h, -h):
            p[index] = original + step
            with KinkRecorder() as recorder:
                values.append(float(_evaluate(loss_fn, seed)))
            patterns.append(recorder.patterns)
        p[index] = original
    numeric = (values[0] - values[1]) / (2 * h)
    error = float(relative_error(*torch.tensor([analytic, numeric], dtype=torch.float64)))
    kink = not same_side(*patterns)
    noise = EPS64 * max(abs(v) for v in values) / h
    tiny = abs(analytic - numeric) <= noise_factor * noise
    return Entry(term, name, index, analytic, numeric, error, kink, noise,
                 verdict(error, kink=kink, below_precision=tiny))


def as_rows(results):
    """Entries as plain dicts (index written "i,j"), ready for a table."""
    return [dict(asdict(e), index=",".join(map(str, e.index))) for e in results]


def summarize(results):
    """One row per (term, parameter): entries, max relative error, kinks seen, verdict.

    max_rel_error is over entries that crossed no kink (NaN if every entry crossed one);
    max_rel_error_at_kinks over those that did. The verdict is the worst over the entries that
    relative error can judge: those neither past a kink nor below precision (counted in `kinks`
    and `below_precision`); only when no entry is left does it fall back to those two.
    """
    groups = {}
    for entry in results:
        groups.setdefault((entry.term, entry.parameter), []).append(entry)
    rows = []
    for (term, parameter), group in groups.items():
        smooth = [e.rel_error for e in group if not e.kink]
        kinked = [e.rel_error for e in group if e.kink]
        judged = [e.verdict for e in group if e.verdict not in UNJUDGED]
        rows.append(dict(
            term=term, parameter=parameter, entries=len(group),
            max_rel_error=max(smooth, default=float("nan")),
            verdict=worst(judged or [e.verdict for e in group]),
            kinks=len(kinked),
            below_precision=sum(e.verdict == "below_precision" for e in group),
            max_rel_error_at_kinks=max(kinked, default=float("nan")),
        ))
    return rows
