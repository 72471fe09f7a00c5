"""Catalog tables in and out: reading files by meaning (import) and the official layout (export)."""
