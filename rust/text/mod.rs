//! Text: the fast WordPiece tokenizer (normalizer, pre-tokenizer, model, post-processing) with offsets.
