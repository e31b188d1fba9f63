"""Random hyperparameter search on house prices (CS231n lecture 7 notes)."""
