# initlab: training fundamentals as cached, reproducible file targets.
# Read this file as the table of contents; each stage lives in workflow/rules/.

from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


include: "workflow/rules/common.smk"


# Before any rule reads it: every bad key is named, then the schema's defaults are filled in.
validate_config("workflow/schemas/config.schema.yaml")


include: "workflow/rules/data.smk"


rule all:
    default_target: True
    input:
        final_outputs(),
