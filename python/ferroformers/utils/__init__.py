"""Shared helpers: hub resolution, atomic file writes, optional-dependency checks."""
