"""Type stubs for the Rust extension `ferroformers._native` (rust/py/)."""

__version__: str
