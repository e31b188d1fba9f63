"""One subpackage per study, named as its rule file, config section, results folder and page."""
