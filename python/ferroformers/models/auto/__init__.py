"""Auto classes: pick the concrete class from `model_type`."""
