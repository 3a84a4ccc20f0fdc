"""Rampart's Prometheus exporters and the web server they share (TLS and basic auth)."""
