"""Building-block layers shared by the models (backend-agnostic, `keras.ops` only)."""
