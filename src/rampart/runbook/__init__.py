"""Runbooks: schema, engine, journal, evidence (docs/runbooks.md)."""
