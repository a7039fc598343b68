"""Utilities: presets, safe checkpoint reading, images."""
