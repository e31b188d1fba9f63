"""Weight initialization on Fashion-MNIST (Udacity lesson): runs, summary, plots."""
