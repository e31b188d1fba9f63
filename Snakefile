# initlab: training fundamentals as cached, reproducible file targets.
# Read this file as the table of contents; each stage lives in workflow/rules/.

from snakemake.utils import min_version

min_version("9.0")


include: "workflow/rules/common.smk"  # first: WORKFLOW_DIR, the package on the path


# The workflow's own config, also under `--directory DIR`; `--configfile` overrides its values. As a
# module, the `module` statement's `config:` replaces it (Snakemake skips `configfile:` there).
configfile: str(WORKFLOW_DIR / "config.yaml")


include: "workflow/rules/validate.smk"


report: "workflow/report/workflow.rst"


include: "workflow/rules/data.smk"
include: "workflow/rules/initializers.smk"
include: "workflow/rules/stability.smk"
include: "workflow/rules/gradient_check.smk"
include: "workflow/rules/linear_regression.smk"
include: "workflow/rules/house_prices.smk"
include: "workflow/rules/optimizers.smk"
include: "workflow/rules/search.smk"
include: "workflow/rules/runs.smk"
include: "workflow/rules/report.smk"


check_recorded_params()  # every rule records its params as one named mapping (common.smk)


rule all:
    default_target: True
    input:
        final_outputs(),
