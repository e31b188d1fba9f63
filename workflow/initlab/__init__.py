"""initlab: pure functions behind the initlab Snakemake workflow.

Importing the package is cheap on purpose: the Snakefile imports `initlab.infra.codedeps`
at parse time, so nothing here may import torch.
"""
