"""One folder per model family, with module paths copied from transformers."""
