"""The shared core every study trains with: models, the initializer and optimizer registries, minibatches, and one training loop per task kind (classify, regression)."""
