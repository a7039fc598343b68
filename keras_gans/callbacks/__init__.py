"""Training callbacks: sample grids, checkpoints, evaluation."""
