"""Hyperparameter schedules driven by the number of images seen."""
