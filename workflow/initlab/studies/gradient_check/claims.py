"""The gradient check page's sentences, from summary.csv (one row per model, term and tensor) and the sanity
checks' summary.csv (pandas only)."""

from initlab.report import sci

FINE = ("correct", "acceptable")  # verdicts that pass the notes' table


def _tensor(row):
    """A checked tensor in words ('layer 2 weights'), or its parameter name where summary.csv has no label."""
    label = row.get("label")
    return label if isinstance(label, str) and label else row["parameter"]


def _flag(column):
    return column.astype(str).str.lower().eq("true")


def project_sentence(checks):
    """The project models (not planted): how many tensors read wrong, the largest relative error and its
    verdict, and how many of that tensor's entries are below float64 precision."""
    own = checks[~_flag(checks["planted"])]
    if own.empty:
        return ""
    worst = own.loc[own["max_rel_error"].idxmax()]
    flagged = own[own["verdict"] == "wrong"]
    unresolved = int(worst.get("below_precision", 0) or 0)
    return (f"**Project models**: {own['model'].nunique()} models, {int(own['entries'].sum())} entries checked; "
            + ("none is flagged wrong" if flagged.empty else
               f"**{len(flagged)} tensor{'s' if len(flagged) != 1 else ''} flagged wrong**")
            + f"; the largest relative error is {sci(worst['max_rel_error'])} ({worst['model']}, "
            f"{_tensor(worst)}, {worst['term']} term, verdict {worst['verdict']}"
            + (f"; {unresolved} of its entries {'differs' if unresolved == 1 else 'differ'} by less than float64 "
               "rounding can resolve, which the notes' thresholds do not judge" if unresolved else "") + ").")


def planted_sentence(checks):
    """The planted bug: which tensors the check flags wrong, and whether the others read fine (which locates
    the bug) or not."""
    planted = checks[_flag(checks["planted"])]
    if planted.empty:
        return ""
    wrong = planted[planted["verdict"] == "wrong"]
    others = planted[planted["verdict"] != "wrong"]
    text = (f"**Planted bug**: {len(wrong)} of {len(planted)} tensors of `{planted['model'].iloc[0]}` flagged wrong"
            f" (relative error up to {sci(planted['max_rel_error'].max())}): "
            + (", ".join(f"{_tensor(r)} ({r['term']})" for _, r in wrong.iterrows())
               or "none, so the checker missed it"))
    if len(wrong) and len(others):
        fine = others["verdict"].isin(FINE).all()
        text += ("; the other tensors read " + ("correct, which locates the bug" if fine else
                 "**" + ", ".join(sorted(set(others["verdict"]))) + "**, so the check does not locate it alone"))
    return text + "."


def sanity_sentence(sanity):
    """How many sanity checks pass, the initial loss against ln(classes), and the failed checks by name."""
    passed = _flag(sanity["passed"])
    rows = sanity.set_index("check")
    text = f"{int(passed.sum())} of {len(sanity)} sanity checks pass"
    if "initial_loss" in rows.index:
        value, expected = float(rows.loc["initial_loss", "value"]), float(rows.loc["initial_loss", "expected"])
        text += (f"; the initial loss {value:.4f} is {abs(value - expected):.1e} from ln(10) = {expected:.3f}, the "
                 "loss of a uniform guess over 10 classes")
    return text + "." + ("" if passed.all() else " **Failed: " + ", ".join(sanity["check"][~passed]) + ".**")


def overview_rows(checks, sanity, *, correct, suspect):
    """Overview rows: the project models' worst verdict (agreeing when none is wrong or suspect), the planted
    bug (agreeing when flagged wrong) and the sanity checks (agreeing when all pass)."""
    rows = []
    own, planted = checks[~_flag(checks["planted"])], checks[_flag(checks["planted"])]
    if len(own):
        verdicts = set(own["verdict"])
        fine = verdicts <= set(FINE) | {"below_precision", "kink"}
        largest = own["max_rel_error"].max()
        why = ""
        if fine and largest > correct:
            why = ("agrees: the entries above 1e-7 differ by less than float64 rounding can resolve "
                   "(below precision), which the notes' table does not judge")
        rows.append(("project models: worst verdict (largest relative error)",
                     f"{', '.join(sorted(verdicts))} ({sci(largest)})",
                     f"< {sci(correct)} correct, < {sci(suspect)} with kinks", "yes" if fine else "no",
                     why if fine else "unexplained: a project model's gradient reads " + ", ".join(
                         sorted(verdicts - set(FINE)))))
    if len(planted):
        flagged = int((planted["verdict"] == "wrong").sum())
        rows.append(("planted wrong tanh backward", f"{flagged} tensors flagged wrong", "flagged wrong",
                     "yes" if flagged else "no", "" if flagged else "unexplained: the checker missed the bug"))
    if len(sanity):
        passed = _flag(sanity["passed"])
        rows.append(("sanity checks passed", f"{int(passed.sum())} of {len(sanity)}", f"{len(sanity)} of {len(sanity)}",
                     "yes" if passed.all() else "no", "" if passed.all() else
                     "unexplained: failed " + ", ".join(sanity["check"][~passed])))
    return rows
