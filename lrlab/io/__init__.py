"""Edges where outside text becomes a config: share links, uploads and files. Bounded, and
every failure a one-line ConfigError."""
