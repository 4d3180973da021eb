"""DistilBERT: configuration, tokenizers and PyTorch models."""
