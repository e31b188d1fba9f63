"""check_recorded_params (common.smk): a rule whose params Snakemake would record without their names
stops the parse, naming the rule and the param; a derived params function (one taking `input`) is allowed."""

import pytest


def add_rule(flow, params):
    with open(flow.path / "workflow/rules/linear_regression.smk", "a") as handle:
        handle.write(f"""

rule probe_params:
    output:
        "results/probe.txt",
    log:
        "results/logs/probe_params.log",
    localrule: True
    params:
{params}
    shell:
        "touch {{output}} 2> {{log}}"
""")


@pytest.mark.parametrize("params", ['        lr=0.1,', '        settings=settings(lr=0.1),\n        seed=0,'])
def test_a_param_outside_settings_stops_the_parse(workflow_copy, params):
    add_rule(workflow_copy, params)
    done = workflow_copy.run("-n", "results/probe.txt", check=False)
    assert done.returncode != 0
    assert "probe_params: param" in done.stdout and "would be recorded without its name" in done.stdout


def test_settings_and_a_derived_param_pass(workflow_copy):
    add_rule(workflow_copy, '        settings=settings(lr=0.1),\n        network=unrecorded(timeout=3),')
    done = workflow_copy.run("-n", "results/probe.txt")
    assert "probe_params" in done.stdout
