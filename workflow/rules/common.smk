# Helpers shared by the rule files. Paths are relative to the repository root.

import os
import sys

# Jobs import the package from this checkout, the same files the code trigger tracks,
# even where an older copy is installed. PYTHONPATH reaches script jobs and cluster jobs.
PACKAGE_ROOT = str(Path(workflow.basedir) / "workflow")
sys.path.insert(0, PACKAGE_ROOT)
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [PACKAGE_ROOT, os.environ.get("PYTHONPATH")]))

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
    return {key: config["data"]["files"][name]["checksum"] for key, name in names.items()}


def final_outputs():
    """Everything `snakemake --cores 8` builds: the union of the stage targets."""
    return [*rules.data.input, *rules.house_prices.input]


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


# House prices (workflow/rules/house_prices.smk)


def house_mlp(wildcards):
    """Params function: the MLP settings for mlp jobs, {} for linear (editing them leaves linear jobs alone)."""
    return config["house_prices"]["mlp"] if wildcards.model == "mlp" else {}


def house_candidates(path):
    """`path` expanded over every (model, initializer) pair of the grid."""
    house = config["house_prices"]
    return expand(path, model=house["models"], initializer=house["initializers"])


def house_submission_choice():
    """config house_prices.submission, checked against the grid at parse time."""
    house = config["house_prices"]
    choice = house["submission"]
    if choice != "best" and (
        choice["model"] not in house["models"]
        or choice["initializer"] not in house["initializers"]
    ):
        raise ValueError(
            f"config house_prices.submission: {choice} is not in the grid "
            f"(models {house['models']}, initializers {house['initializers']}); use `best` or a trained pair"
        )
    return choice
