"""Benchmarks of the registry against a peer library (eventsourcing) and the raw floor; `make bench` runs them."""
