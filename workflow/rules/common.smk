# Helpers shared by the rule files. Paths are relative to the repository root.

import os
import sys

# Jobs import the package from this checkout, the same files the code trigger tracks,
# even where an older copy is installed. PYTHONPATH reaches script jobs and cluster jobs.
PACKAGE_ROOT = str(Path(workflow.basedir) / "workflow")
sys.path.insert(0, PACKAGE_ROOT)
os.environ.update(
    PYTHONPATH=os.pathsep.join(filter(None, [PACKAGE_ROOT, os.getenv("PYTHONPATH")]))
)

from initlab.codedeps import module_files


wildcard_constraints:
    file=r"[A-Za-z0-9._-]+",


def code(script):
    """The package modules that workflow/scripts/<script> imports: rule inputs, so edits rerun the rule."""
    return list(module_files(f"workflow/scripts/{script}", "workflow/initlab"))


def raw(name):
    """Path of a fetched data file (a key of config['data']['files'])."""
    return rules.fetch_file.output[0].format(file=name)


def file_field(field):
    """Params function: `field` of the data file named by the {file} wildcard."""

    def of_file(wildcards):
        return config["data"]["files"][wildcards.file][field]

    return of_file


def checksums(**names):
    """Map input keys to the published checksums of the data files they name."""
    return {
        key: config["data"]["files"][name]["checksum"] for key, name in names.items()
    }


def final_outputs():
    """Everything `snakemake --cores 8` builds: the union of the stage targets."""
    return rules.data.input


def visible_gpus():
    """NVIDIA GPUs this machine shows, counted without importing torch (parse time must stay fast)."""
    listed = os.environ.get("CUDA_VISIBLE_DEVICES")
    if listed is not None:
        return len([d for d in listed.split(",") if d.strip() not in ("", "-1")])
    gpus = Path("/proc/driver/nvidia/gpus")
    return len(list(gpus.iterdir())) if gpus.is_dir() else 0


def gpus_per_job():
    """The `gpu` resource of a training job: 1 when it will run on CUDA, else 0."""
    if config["device"] == "cuda":
        return 1
    return int(config["device"] == "auto" and visible_gpus() > 0)
