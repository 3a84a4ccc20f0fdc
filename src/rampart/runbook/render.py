"""Runbooks for people: `show` renders one as Markdown for on-call, and the dry run prints
exactly what a run would do (templates filled, targets resolved), touching nothing.
"""

from __future__ import annotations

import dataclasses

from rampart.runbook.context import RunContext
from rampart.runbook.engine import describe
from rampart.runbook.journal import drilled_text
from rampart.runbook.model import Measurement, Runbook, Step


def markdown(runbook: Runbook, context: RunContext | None = None, drilled: str = "") -> str:
    """The runbook as Markdown: what, why, each command, what to expect, how to undo.

    With a context, templates are filled with the variables' defaults, so on-call reads
    the real commands; without one (no inventory at hand) they are shown as written.
    `drilled` is the last drill as the run history has it (`journal.drilled_text`)."""
    if context is not None:
        rendered = dataclasses.replace(
            runbook,
            steady_state=tuple(context.render(check) for check in runbook.steady_state),
            steps=tuple(context.render(step) for step in runbook.steps),
            exit_criteria=tuple(context.render(check) for check in runbook.exit_criteria),
            measure=runbook.measure.rendered(context.render_text) if runbook.measure else None,
        )
        return markdown(rendered, drilled=drilled)
    lines = [
        f"# {runbook.title}",
        "",
        f"`{runbook.id}` · severity **{runbook.severity}** · RTO {runbook.rto_seconds} s ·"
        f" owner {runbook.owner}",
        "",
        f"Clauses: {', '.join(runbook.clauses)}. Alerts: {', '.join(runbook.alerts) or 'none'}."
        f" Last drilled: {drilled or drilled_text(None, runbook.last_drilled)}.",
        "",
    ]
    if runbook.description:
        lines += [runbook.description, ""]
    if runbook.vars:
        lines += ["## Variables", "", "| name | default |", "| --- | --- |"]
        lines += [f"| `{name}` | `{value}` |" for name, value in runbook.vars.items()]
        lines.append("")
    if runbook.secrets:
        lines += ["Secrets (given to steps as environment variables, never shown): "]
        lines += [f"- `{name}`" for name in runbook.secrets]
        lines.append("")
    lines += ["## Steady state (must hold before a drill)", ""]
    lines += [f"- {check.name}: {describe(check)}" for check in runbook.steady_state] or ["- none"]
    lines += ["", "## Steps", ""]
    for number, step in enumerate(runbook.steps, start=1):
        lines += _step(number, step)
    lines += ["## Exit criteria (the incident is over when all pass)", ""]
    lines += [f"- {check.name}: {describe(check)}" for check in runbook.exit_criteria]
    if runbook.measure is not None:
        lines += ["", "## Recovery times (drills)", "", f"- {measured(runbook.measure)}"]
    return "\n".join(lines) + "\n"


def measured(measurement: Measurement) -> str:
    """Where a drill's times come from, in one line."""
    where = (
        f"Prometheus on {measurement.target}"
        if measurement.target
        else f"Prometheus at {measurement.prometheus_url}"
    )
    alert = f" to {measurement.alert} firing (time to detect) and" if measurement.alert else ""
    return (
        f"from the fault's injection{alert} to the prober's first success after its failure"
        f' (the RTO), as {where} holds rampart_availability_up{{service="{measurement.service}"}};'
        f" waits up to {measurement.timeout_seconds} s after the run for the prober's view"
    )


def _step(number: int, step: Step) -> list[str]:
    only = {"drill": " (drill only)", "incident": " (incident only)"}.get(step.when, "")
    lines = [f"### {number}. {step.name}{only}", ""]
    if step.description:
        lines += [step.description, ""]
    lines.append(f"- **do** ({step.kind}): {describe(step)}")
    if step.kind not in ("manual", "approval"):
        retries = f", {step.retries} retries" if step.retries else ""
        lines.append(f"- **limits**: {step.timeout_seconds} s per attempt{retries}")
    if step.expected:
        lines.append(f"- **expect**: {step.expected}")
    if step.verify:
        lines.append(f"- **verify**: {describe(step.verify)}")
    if step.approval:
        lines.append(f"- **needs approval**: {step.approval}")
    if step.rollback:
        lines.append(f"- **undo**: {describe(step.rollback)}")
    if step.milestone:
        lines.append(f"- **marks**: {step.milestone}")
    if step.destructive:
        lines.append("- **changes things**")
    return [*lines, ""]


def plan(runbook: Runbook, context: RunContext) -> str:
    """Exactly what `run` would do in this mode, with templates filled and hosts resolved."""
    mode = "drill" if context.drill else "incident"
    lines = [f"dry run of {runbook.id} ({mode}); nothing is run or changed", ""]
    if context.drill:
        for check in runbook.steady_state:
            lines.append(f"steady state  {check.name}: {_resolved(context.render(check), context)}")
    for number, step in enumerate(runbook.steps, start=1):
        if not step.runs_in(context.drill):
            lines.append(f"{number:>2}. {step.name}: skipped (only in {step.when} runs)")
            continue
        rendered = context.render(step)
        lines.append(f"{number:>2}. {step.name}: {_resolved(rendered, context)}")
        if rendered.verify:
            lines.append(f"      verify: {_resolved(rendered.verify, context)}")
        if rendered.rollback:
            lines.append(f"      rollback: {_resolved(rendered.rollback, context)}")
        if rendered.approval:
            lines.append(f"      needs approval: {rendered.approval}")
    for check in runbook.exit_criteria:
        lines.append(f"exit criterion  {check.name}: {_resolved(context.render(check), context)}")
    if context.drill and runbook.measure is not None:
        lines.append(f"measure  {measured(runbook.measure.rendered(context.render_text))}")
    return "\n".join(lines) + "\n"


def _resolved(step: Step, context: RunContext) -> str:
    """The step's description with the hosts (and addresses) it would reach."""
    text = describe(step)
    if step.kind == "wait" and step.until is not None:
        return f"{text} [{_hosts(step.until, context)}]"
    hosts = _hosts(step, context)
    return f"{text} [{hosts}]" if hosts else text


def _hosts(step: Step, context: RunContext) -> str:
    if step.service:
        names = context.service_hosts(context.service(step.service), step.target)
    elif step.target:
        names = context.hosts(step.target)
    else:
        return ""
    return ", ".join(f"{name} {context.address(name)}" for name in names)
