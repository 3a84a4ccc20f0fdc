"""Rampart's monitoring content generated in Python: Prometheus rules (and dashboards)."""
