"""Temporal workflows: one module per workflow."""
