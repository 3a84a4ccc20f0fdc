"""Prometheus metrics in node_exporter's textfile format, written atomically.

The one way Rampart writes metrics for node_exporter's textfile collector (backups, drills,
runbooks, the access review): a family is a name, a help text, a type and samples; the text
is prometheus_client's exposition format (`generate_latest` on a registry of its own), and
the file is written beside its target and renamed over it, so node_exporter never reads
half a file.
"""

from __future__ import annotations

import os
import shlex
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import Metric
from prometheus_client.registry import Collector

from rampart.ssh import SshTarget, output_of


@dataclass
class Family:
    """One metric family and its samples (labels, value)."""

    name: str
    help: str
    kind: str = "gauge"
    samples: list[tuple[dict[str, str], float]] = field(default_factory=list)

    def add(self, value: float, **labels: str) -> Family:
        """Add a sample; returns the family so calls chain."""
        self.samples.append((labels, value))
        return self

    def metric(self) -> Metric:
        """The family as a prometheus_client metric (labels in name order)."""
        metric = Metric(self.name.removesuffix("_total"), self.help, self.kind)
        sample_name = f"{metric.name}_total" if self.kind == "counter" else self.name
        for labels, value in self.samples:
            metric.add_sample(sample_name, dict(sorted(labels.items())), float(value))
        return metric


class _Families(Collector):
    """A collector that yields the given families (those with samples)."""

    def __init__(self, families: Iterable[Family]) -> None:
        self._families = [family for family in families if family.samples]

    def collect(self) -> Iterator[Metric]:
        for family in self._families:
            yield family.metric()


def render(families: Iterable[Family]) -> str:
    """The exposition text of the families (families without samples are left out)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Families(families))
    return generate_latest(registry).decode("utf-8")


def write_atomically(path: Path, text: str, mode: int = 0o644) -> None:
    """Write `text` to `path` through a temporary file in the same folder and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as output:
            output.write(text)
            output.flush()
            os.fsync(output.fileno())
        Path(temporary).chmod(mode)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_remotely(target: SshTarget, path: PurePosixPath, text: str, timeout: float = 30) -> None:
    """Write `text` to `path` on a host over SSH, as atomically as here: a temporary file
    in the same folder, then a rename (the text travels on standard input)."""
    folder = shlex.quote(str(path.parent))
    command = (
        f"set -e; mkdir -p {folder}; t=$(mktemp {folder}/.{shlex.quote(path.name)}.XXXXXX);"
        f' trap \'rm -f "$t"\' EXIT; cat > "$t"; chmod 0644 "$t";'
        f' mv -f "$t" {shlex.quote(str(path))}; trap - EXIT'
    )
    output_of(target, command, timeout=timeout, input_text=text)
