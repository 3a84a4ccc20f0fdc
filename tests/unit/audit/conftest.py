"""The audit's unit tests judge hosts against the lab's plan (the plan tests' inventory)."""

from tests.unit.plan.conftest import lab_inventory

__all__ = ["lab_inventory"]
