"""What must stop the gradient-check stage (plain Python: the summary job imports no torch)."""

from initlab.published import CS231N_WRONG


def failures(summary, planted):
    """Messages for what must stop the stage: a real model flagged wrong, or a planted bug missed.

    summary: rows with model, term, parameter, max_rel_error, verdict; planted: {model: bool}.
    """
    messages = []
    for model, is_planted in planted.items():
        rows = [r for r in summary if r["model"] == model]
        wrong = [r for r in rows if r["verdict"] == "wrong"]
        if is_planted and not wrong:
            messages.append(f"{model}: the planted wrong gradient was NOT flagged; the checker is broken")
        if not is_planted:
            messages += [
                f"{model}: gradient of {r['term']} wrt {r['parameter']} is wrong "
                f"(max relative error {r['max_rel_error']:.3g} > {CS231N_WRONG:g})" for r in wrong
            ]
    return messages
