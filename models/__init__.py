"""Bundled example models, built with onnx.helper (no torch)."""
