"""Optimizers whose hyperparameters can follow schedules inside compiled steps."""
