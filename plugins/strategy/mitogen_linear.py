"""Ansible's own linear strategy, run over Mitogen (the `mitogen` package): one Python
interpreter per host kept for the whole run, modules sent to it once and run in it,
instead of an SSH command, a new interpreter and a module upload per task. The tasks,
their order and their results are Ansible's; only how they reach the host changes.
Measured on the lab: docs/playbooks.md."""

from __future__ import annotations

import ansible_mitogen.loaders
import ansible_mitogen.strategy

Linear = ansible_mitogen.loaders.strategy_loader.get("linear", class_only=True)


class StrategyModule(ansible_mitogen.strategy.StrategyMixin, Linear):  # type: ignore[misc,valid-type]
    """The linear strategy with Mitogen's connections."""
