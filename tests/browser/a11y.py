"""Reading axe-core's results (the ``axe`` fixture in ``conftest.py`` produces them)."""

from __future__ import annotations

from typing import Any

# What the platform must not ship: axe-core's two highest impacts. Moderate and minor ones are
# reported by axe too but do not fail a test.
BLOCKING_IMPACTS = ("critical", "serious")


def describe_violations(violations: list[dict[str, Any]], *, max_nodes: int = 5) -> str:
    """One paragraph per rule: id, impact, help and its URL, then the offending elements."""
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
        for node in v["nodes"][:max_nodes]:
            target = " ".join(" >> ".join(t) if isinstance(t, list) else str(t) for t in node["target"])
            summary = (node.get("failureSummary") or "").replace("\n", " ").strip()
            lines.append(f"    {target}: {summary[:300]}")
        if len(v["nodes"]) > max_nodes:
            lines.append(f"    ... and {len(v['nodes']) - max_nodes} more")
    return "\n".join(lines)


def blocking(violations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [v for v in violations if v.get("impact") in BLOCKING_IMPACTS]


def assert_accessible(violations: list[dict[str, Any]], where: str) -> None:
    """Fail on critical or serious axe-core violations, naming rule, impact, selectors and help."""
    found = blocking(violations)
    if found:
        raise AssertionError(
            f"axe-core: {len(found)} critical/serious violation(s) on {where}:\n{describe_violations(found)}"
        )
