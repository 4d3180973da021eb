"""Wav2Vec2: feature extractor, CTC tokenizer and processor, importable from here as from transformers'
`models.wav2vec2`."""

from .feature_extraction_wav2vec2 import Wav2Vec2FeatureExtractor
from .processing_wav2vec2 import Wav2Vec2Processor
from .tokenization_wav2vec2 import Wav2Vec2CTCTokenizer, Wav2Vec2CTCTokenizerOutput

__all__ = [
    "Wav2Vec2CTCTokenizer",
    "Wav2Vec2CTCTokenizerOutput",
    "Wav2Vec2FeatureExtractor",
    "Wav2Vec2Processor",
]
