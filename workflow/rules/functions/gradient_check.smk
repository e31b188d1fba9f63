# Input and params functions of gradient_check.smk (kept apart: the linter wants no functions beside rules).


GRADIENT_CHECK = config["gradient_check"]
CHECKED_MODELS = list(GRADIENT_CHECK["models"])


def checked_spec(wildcards):
    """Params function: the config spec of the {model} wildcard, less `planted` (read only by the
    summary, so flipping it does not rerun the check)."""
    spec = GRADIENT_CHECK["models"][wildcards.model]
    return {key: value for key, value in spec.items() if key != "planted"}


def checked_data(wildcards):
    """Input function: the prepared data file the model's spec names."""
    data = GRADIENT_CHECK["models"][wildcards.model]["data"]
    if data == "house_prices":
        return rules.prepare_house_prices.output.features
    return rules.prepare_fashion_mnist.output.train


def planted_models():
    """{model: True if it carries a planted bug the check must flag}."""
    return {name: spec.get("planted", False) for name, spec in GRADIENT_CHECK["models"].items()}


def sanity_spec():
    """The gradient_check.models spec that gradient_check.sanity_checks.model names."""
    name = GRADIENT_CHECK["sanity_checks"]["model"]
    if name not in GRADIENT_CHECK["models"]:
        raise ValueError(
            f"config gradient_check.sanity_checks.model: {name!r} is not a key of gradient_check.models "
            f"({', '.join(CHECKED_MODELS)})"
        )
    return GRADIENT_CHECK["models"][name]
