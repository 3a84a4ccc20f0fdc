"""Rampart: an information-security regulation enforced, monitored and drilled as code."""

__version__ = "0.1.0"
