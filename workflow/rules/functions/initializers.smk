# Input and params functions of initializers.smk (kept apart: the linter wants no functions beside rules).


def initializer_runs(names):
    """Result files of every configured seed of the initializers `names`."""
    return expand(rules.train_initializer.output.runs, initializer=names)


def comparison_groups():
    """Loss-figure groups restricted to the configured initializers, plus 'others' for the rest."""
    chosen = config["initializers"]["initializers"]
    groups = {}
    for name, members in config["initializers"]["comparisons"].items():
        kept = [m for m in members if m in chosen]
        if kept:
            groups[name] = kept
    grouped = {m for members in groups.values() for m in members}
    rest = [m for m in chosen if m not in grouped]
    if rest:
        groups["others"] = rest
    return groups


def comparison_members(wildcards):
    """Params function: the initializers drawn in the figure of {comparison}."""
    return comparison_groups()[wildcards.comparison]


def comparison_runs(wildcards):
    """Input function: the runs drawn in the figure of {comparison}."""
    return initializer_runs(comparison_members(wildcards))


def histogram_runs(wildcards):
    """Input function: the first configured seed's run of every initializer (for the histograms)."""
    first_seed = rules.train_initializer.output.runs[0]
    return expand(first_seed, initializer=config["initializers"]["initializers"])
