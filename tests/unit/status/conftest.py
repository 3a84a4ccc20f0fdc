"""Fixtures of the status tests: the lab inventory as `rampart lab up` leaves it."""

from tests.unit.plan.conftest import lab_inventory

__all__ = ["lab_inventory"]
