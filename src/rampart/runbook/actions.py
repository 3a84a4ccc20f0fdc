"""What each step kind does. Every function takes a rendered step and returns a `Result`:
passed or not, a one-line summary and the output; a broken host or command is a failed
result, never an exception, so the engine can retry and roll back.
"""

from __future__ import annotations

import json
import operator
import os
import posixpath
import shlex
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from rampart.checks import ProbeCheck, run_check
from rampart.commands import run
from rampart.errors import ConfigError, RampartError
from rampart.inventory import Check
from rampart.prometheus import LOOPBACK_URL, PrometheusError, instant_query, vector
from rampart.runbook.context import RunContext
from rampart.runbook.model import Step
from rampart.ssh import copy_between, run_remote

SUMMARY_LIMIT = 300
COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<=": operator.le,
    ">=": operator.ge,
    "<": operator.lt,
    ">": operator.gt,
}


@dataclass(frozen=True)
class Result:
    """The outcome of one attempt of a step."""

    passed: bool
    summary: str
    output: str = ""


class Prompter:
    """Asks a person (manual steps and approval gates); `--yes` only answers safe gates."""

    def __init__(self, *, interactive: bool, yes: bool) -> None:
        self.interactive = interactive
        self.yes = yes

    def ask(self, question: str) -> str:
        """Print a question on stderr and read one answer line from stdin."""
        print(f"\n>>> {question}", file=sys.stderr, flush=True)
        return sys.stdin.readline().strip().lower()


def execute(step: Step, context: RunContext, prompter: Prompter) -> Result:
    """Run one attempt of a rendered step; `outcome: failure` turns the result around."""
    try:
        result = _KINDS[step.kind](step, context, prompter)
    except RampartError as error:
        result = Result(False, str(error))
    if step.outcome == "failure":
        verdict = "failed as expected" if not result.passed else "still passes"
        return Result(not result.passed, f"{verdict}: {result.summary}", result.output)
    return result


def _ssh(step: Step, context: RunContext, prompter: Prompter) -> Result:
    return _on_hosts(step, context, str(step.command))


def _restic(step: Step, context: RunContext, prompter: Prompter) -> Result:
    words = ["restic", "--json", "--repo", str(step.repository), *step.restic]
    return _on_hosts(step, context, shlex.join(words))


def _on_hosts(step: Step, context: RunContext, command: str) -> Result:
    """Run a command on every host of the target; passes when it exits 0 everywhere."""
    outputs: list[str] = []
    failed: list[str] = []
    environment = context.secret_environment(step.secrets)
    for host in context.hosts(str(step.target)):
        try:
            remote = run_remote(
                context.ssh_target(host),
                command,
                timeout=step.timeout_seconds,
                environment=environment,
            )
        except RampartError as error:
            failed.append(host)
            outputs.append(f"[{host}] {error}")
            continue
        text = (remote.stdout + remote.stderr).strip()
        outputs.append(f"[{host}] exit {remote.exit_status}\n{text}".strip())
        if remote.exit_status != 0:
            failed.append(host)
    output = "\n".join(outputs)
    if failed:
        return Result(False, f"failed on {', '.join(failed)}: {_last_line(output)}", output)
    return Result(True, f"exit 0 on {', '.join(context.hosts(str(step.target)))}", output)


def _local(step: Step, context: RunContext, prompter: Prompter) -> Result:
    environment = {**os.environ, **context.secret_environment(step.secrets)}
    argv = shlex.split(str(step.command))
    completed = run(argv, check=False, timeout=step.timeout_seconds, env=environment)
    output = (completed.stdout + completed.stderr).strip()
    return Result(
        completed.returncode == 0,
        f"exit {completed.returncode}" + (f": {_last_line(output)}" if output else ""),
        output,
    )


def _playbook(step: Step, context: RunContext, prompter: Prompter) -> Result:
    argv = [
        "ansible-playbook",
        "-i",
        str(context.inventory.directory),
        str(step.playbook),
        "--limit",
        str(step.target),
    ]
    if step.tags:
        argv += ["--tags", ",".join(step.tags)]
    for assignment in step.extra_vars:
        argv += ["--extra-vars", assignment]
    environment = {**os.environ, "ANSIBLE_NOCOLOR": "1", **context.secret_environment(step.secrets)}
    completed = run(argv, check=False, timeout=step.timeout_seconds, env=environment)
    output = (completed.stdout + completed.stderr).strip()
    recap = output.split("PLAY RECAP", 1)[-1].strip() if "PLAY RECAP" in output else output
    return Result(
        completed.returncode == 0, f"exit {completed.returncode}: {_last_line(recap)}", output
    )


def _http(step: Step, context: RunContext, prompter: Prompter) -> Result:
    """GET a URL, or a catalog check on its hosts, exactly as the prober does (no
    redirects followed, HTTPS verified against `ca_file`)."""
    if step.service:
        probes = [
            replace(
                probe,
                expect_status=step.expect_status or probe.expect_status,
                expect_body=step.expect_body or probe.expect_body,
                ca_file=Path(step.ca_file) if step.ca_file else None,
            )
            for probe in _catalog_probes(step, context, ("http", "https"))
        ]
    else:
        probes = [_url_probe(step)]
    return _probe_all(probes, _url_of)


def _url_probe(step: Step) -> ProbeCheck:
    """The http(s) check a step's URL names."""
    url = urllib.parse.urlsplit(str(step.url))
    if url.scheme not in ("http", "https") or not url.hostname:
        raise ConfigError(f"not an http(s) URL: {step.url}")
    return ProbeCheck(
        service="",
        host=url.hostname,
        address=url.hostname,
        name=step.name,
        type=url.scheme,
        port=url.port or (443 if url.scheme == "https" else 80),
        critical=True,
        interval_seconds=step.timeout_seconds + 1,
        timeout_seconds=step.timeout_seconds,
        path=urllib.parse.urlunsplit(("", "", url.path or "/", url.query, "")),
        expect_status=step.expect_status,
        expect_body=step.expect_body,
        ca_file=Path(step.ca_file) if step.ca_file else None,
    )


def _url_of(probe: ProbeCheck) -> str:
    """The URL an http(s) check requests, for the step's summary."""
    return f"{probe.type}://{probe.address}:{probe.port}{probe.path}"


def _tcp(step: Step, context: RunContext, prompter: Prompter) -> Result:
    """Connect to a port of the target's hosts, or to a catalog check's port on its hosts."""
    if step.service:
        probes = [replace(probe, type="tcp") for probe in _catalog_probes(step, context, None)]
    else:
        probes = [
            ProbeCheck(
                service="",
                host=host,
                address=context.address(host),
                name=step.name,
                type="tcp",
                port=step.port,
                critical=True,
                interval_seconds=step.timeout_seconds + 1,
                timeout_seconds=step.timeout_seconds,
            )
            for host in context.hosts(str(step.target))
        ]
    return _probe_all(probes, lambda probe: f"{probe.address}:{probe.port}")


def _probe_all(probes: list[ProbeCheck], where: Callable[[ProbeCheck], str]) -> Result:
    """Run each check (`rampart.checks`, as the prober does); passes when all pass."""
    lines = []
    for probe in probes:
        outcome = run_check(probe)
        if outcome.success:
            lines.append(f"ok {where(probe)} in {outcome.duration_seconds:.3f} s")
        else:
            lines.append(f"down {where(probe)}: {outcome.detail}")
    passed = all(line.startswith("ok") for line in lines)
    return Result(passed, "; ".join(lines), "\n".join(lines))


def _catalog_probes(
    step: Step, context: RunContext, types: tuple[str, ...] | None
) -> list[ProbeCheck]:
    """A catalog check on each host of its service (within the step's target), with the
    step's timeout, so runbooks probe exactly what the prober probes."""
    service = context.service(str(step.service))
    check = _catalog_check(service.id, service.checks, str(step.check))
    if types is not None and check.type not in types:
        raise ConfigError(f"check '{check.name}' of '{service.id}' is a {check.type} check")
    return [
        ProbeCheck(
            service=service.id,
            host=host,
            address=context.address(host),
            name=check.name,
            type=check.type,
            port=check.port,
            critical=check.critical,
            interval_seconds=check.interval_seconds,
            timeout_seconds=step.timeout_seconds,
            path=check.path or "/",
            expect_status=check.expect_status,
            expect_body=check.expect_body,
        )
        for host in context.service_hosts(service, step.target)
    ]


def _catalog_check(service: str, checks: tuple[Check, ...], name: str) -> Check:
    """A catalog check by name, so runbooks probe exactly what the prober probes."""
    for check in checks:
        if check.name == name:
            return check
    known = ", ".join(check.name for check in checks)
    raise ConfigError(f"service '{service}' has no check '{name}' (known: {known})")


def _prometheus(step: Step, context: RunContext, prompter: Prompter) -> Result:
    base = step.prometheus_url or (
        LOOPBACK_URL if step.target else os.environ.get("RAMPART_PROMETHEUS_URL")
    )
    if not base:
        raise ConfigError("prometheus step: set a target, prometheus_url or RAMPART_PROMETHEUS_URL")
    through = None
    if step.target:
        hosts = context.hosts(step.target)
        if len(hosts) != 1:
            raise ConfigError(f"target '{step.target}' must be one host to query from")
        through = context.ssh_target(hosts[0])
    try:
        answer = instant_query(base, str(step.query), through=through, timeout=step.timeout_seconds)
    except PrometheusError as error:
        return Result(False, str(error))
    samples = _samples(answer)
    if not samples:
        return Result(False, f"no samples for {step.query}", json.dumps(answer)[:2000])
    symbol, threshold = _comparison(str(step.compare))
    failing = [
        f"{labels}={value:g}"
        for labels, value in samples
        if not COMPARISONS[symbol](value, threshold)
    ]
    shown = ", ".join(f"{labels}={value:g}" for labels, value in samples[:5])
    if failing:
        return Result(False, f"not {step.compare}: {', '.join(failing[:5])}", shown)
    return Result(True, f"all {len(samples)} samples {step.compare}: {shown}", shown)


def _copy(step: Step, context: RunContext, prompter: Prompter) -> Result:
    """Copy a file between hosts through the runner, then prove the copy's sha256 and
    record it beside the copy (`<file>.sha256`), for a chain of custody."""
    (source_host, source_path), (destination_host, destination_path) = (
        _host_path(str(text), context) for text in (step.source, step.destination)
    )
    size, digest = copy_between(
        context.ssh_target(source_host),
        source_path,
        context.ssh_target(destination_host),
        destination_path,
        timeout=step.timeout_seconds,
    )
    folder, name = posixpath.split(destination_path)
    quoted = shlex.quote(name)
    record = f"cd {shlex.quote(folder)} && sha256sum {quoted} | tee {quoted}.sha256"
    remote = run_remote(context.ssh_target(destination_host), record, timeout=step.timeout_seconds)
    landed = remote.stdout.split()[0] if remote.stdout.split() else ""
    summary = f"{size} bytes {step.source} -> {step.destination}, sha256 {digest}"
    if remote.exit_status != 0 or landed != digest:
        return Result(False, f"the copy's sha256 differs ({landed or remote.stderr}): {summary}")
    return Result(True, f"copied {summary}", remote.stdout.strip())


def _host_path(text: str, context: RunContext) -> tuple[str, str]:
    """`host:/path` split, the host checked against the inventory."""
    host, _, path = text.partition(":")
    if host not in context.inventory.hosts:
        raise ConfigError(f"'{text}': no host '{host}' in {context.inventory.directory}")
    return host, path


def _samples(answer: dict[str, Any]) -> list[tuple[str, float]]:
    """(labels, value) pairs of an instant query's vector or scalar result."""
    if answer.get("data", {}).get("resultType") == "scalar":
        return [("scalar", value) for _, value in vector(answer)]
    samples = []
    for metric, value in vector(answer):
        labels = ",".join(f"{key}={text}" for key, text in sorted(metric.items()))
        samples.append((f"{{{labels}}}", value))
    return samples


def _comparison(text: str) -> tuple[str, float]:
    text = text.strip()
    for symbol in ("==", "!=", "<=", ">=", "<", ">"):
        if text.startswith(symbol):
            return symbol, float(text[len(symbol) :])
    raise ConfigError(f"not a comparison: {text}")


def _wait(step: Step, context: RunContext, prompter: Prompter) -> Result:
    """Poll the `until` check until it passes; fails when timeout_seconds is over."""
    assert step.until is not None  # the schema requires it
    deadline = time.monotonic() + step.timeout_seconds
    polls = 0
    while True:
        polls += 1
        result = execute(step.until, context, prompter)
        if result.passed:
            return Result(True, f"after {polls} poll(s): {result.summary}", result.output)
        if time.monotonic() + step.interval_seconds > deadline:
            return Result(
                False, f"still not after {step.timeout_seconds} s ({polls} polls): {result.summary}"
            )
        time.sleep(step.interval_seconds)


def _manual(step: Step, context: RunContext, prompter: Prompter) -> Result:
    if not prompter.interactive:
        return Result(False, "a manual step needs a person: run interactively (on a terminal)")
    answer = prompter.ask(f"{step.prompt}\n    Type 'done' when done, anything else if it failed:")
    return Result(answer == "done", f"the person answered '{answer}'")


def _approval(step: Step, context: RunContext, prompter: Prompter) -> Result:
    if prompter.interactive:
        answer = prompter.ask(f"APPROVAL: {step.prompt} [yes/NO]")
        return Result(answer in ("y", "yes"), f"approved by a person: {answer or 'no'}")
    if prompter.yes and step.safe_for_automation:
        return Result(True, "approved by --yes (this gate is marked safe for automation)")
    if prompter.yes:
        return Result(False, "not safe for automation: --yes cannot approve it; run interactively")
    return Result(False, "needs approval: run interactively, or with --yes if the gate is safe")


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    line = lines[-1] if lines else ""
    return line if len(line) <= SUMMARY_LIMIT else line[: SUMMARY_LIMIT - 3] + "..."


_KINDS: dict[str, Callable[[Step, RunContext, Prompter], Result]] = {
    "ssh": _ssh,
    "restic": _restic,
    "local": _local,
    "playbook": _playbook,
    "http": _http,
    "tcp": _tcp,
    "prometheus": _prometheus,
    "wait": _wait,
    "manual": _manual,
    "approval": _approval,
    "copy": _copy,
}
