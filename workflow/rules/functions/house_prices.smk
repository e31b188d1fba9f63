# Input and params functions of house_prices.smk (kept apart: the linter wants no functions beside rules).


def house_mlp(wildcards):
    """Params function: the MLP settings for mlp jobs, {} for linear (editing them leaves linear jobs alone)."""
    return config["house_prices"]["mlp"] if wildcards.model == "mlp" else {}


def house_candidates(path):
    """`path` expanded over every (model, initializer) pair of the grid."""
    house = config["house_prices"]
    return expand(path, model=house["models"], initializer=house["initializers"])


def house_hidden_units():
    """Hidden units of each house prices model, the first key of the submission rule's `simplicity`."""
    return {"linear": 0, "mlp": sum(config["house_prices"]["mlp"]["hidden"])}


def house_search_settings():
    """The search candidate's folds and model kind, as write_submission needs them ({} when the search
    is no candidate)."""
    if not config["house_prices"]["search_candidate"]:
        return {}
    return {"folds": config["search"]["folds"], "model": config["search"]["model"]}


def house_submission_choice():
    """config house_prices.submission, checked against the grid at parse time."""
    house = config["house_prices"]
    choice = house["submission"]
    if choice not in ("best", "lowest") and (
        choice["model"] not in house["models"] or choice["initializer"] not in house["initializers"]
    ):
        raise ValueError(
            f"config house_prices.submission: {choice} is not in the grid "
            f"(models {house['models']}, initializers {house['initializers']}); use `best`, `lowest` or a trained pair"
        )
    return choice


def house_search_candidate(wildcards):
    """Input function (unpack) of write_submission: with house_prices.search_candidate, the search's
    best configuration (its final fit and submission) competes under `submission: best`.
    """
    if not config["house_prices"]["search_candidate"]:
        return {}
    if config["search"]["preprocessing"]["large_houses"] == "drop_from_data":
        # its score would cover fewer houses than the grid's: not comparable
        raise ValueError(
            "config house_prices.search_candidate: true needs search.preprocessing.large_houses keep or "
            "drop_from_training, not drop_from_data (the search would be scored on other rows than the grid)"
        )
    return {
        "search_fit": rules.fit_search_best.output.fit,
        "search_submission": rules.fit_search_best.output.submission,
    }
