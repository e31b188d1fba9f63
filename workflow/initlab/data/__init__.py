"""Data: hash-verified fetching and the two data sets (d2l house prices, Fashion-MNIST)."""
