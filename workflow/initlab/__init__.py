"""initlab: pure functions behind the initlab Snakemake workflow.

Importing the package is cheap on purpose: the Snakefile imports `initlab.codedeps`
at parse time, so nothing here may import torch.
"""
