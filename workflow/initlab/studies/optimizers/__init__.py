"""Optimizers and learning-rate schedules on Fashion-MNIST (CS231n lecture 7 notes)."""
