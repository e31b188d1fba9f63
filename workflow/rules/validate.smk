# Config validation, before any other rule file reads the config. Every bad key is named
# (`config key 'data.retries': -1 is less than the minimum of 0`), all at once; Snakemake's
# validate then fills in the schema's defaults. The package is on the path (common.smk).

import yaml
from initlab.infra.configcheck import check_config, drop_removed_entries
from snakemake.utils import validate

SCHEMA = WORKFLOW_DIR / "workflow" / "schemas" / "config.schema.yaml"
CONFIG_SCHEMA = yaml.safe_load(SCHEMA.read_text())  # also says which studies each key affects (x-affects)
drop_removed_entries(config, CONFIG_SCHEMA)  # `name: null` of a --configfile
check_config(config, SCHEMA)
validate(config, str(SCHEMA))

limit_gpu_jobs()  # reads jobs_per_gpu, so only now that the config is complete
