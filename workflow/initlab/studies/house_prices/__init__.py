"""House prices (d2l Kaggle practice): k-fold training, final fit, summary, submission."""
