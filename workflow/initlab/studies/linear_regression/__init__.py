"""Linear regression from scratch and concise (d2l), against the closed form."""
