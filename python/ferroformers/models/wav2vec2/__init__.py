"""Wav2Vec2: feature extractor, CTC tokenizer and processor."""
