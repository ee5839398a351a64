"""report.html: one self-contained page per run (no scripts, no files beside it).

It shows the model graph (drawn by Graphviz when pydot and `dot` are
installed, with every layer's output shape), one chart per metric with the
training and validation curves (per output when the model has several), the
final metrics, and the run's facts from run.json. `modelspec run` writes it
when a run ends, whatever its status; `modelspec report RUN_DIR` writes it
again. Writing it never fails a run: a problem becomes a note in the page.
"""

from __future__ import annotations

import html
import math
import re
from pathlib import Path
from typing import Any

import yaml

REPORT = "report.html"
WIDTH, HEIGHT, PAD = 440, 250, 44
STYLE = """
body{font-family:Helvetica,Arial,sans-serif;margin:24px;color:#222;max-width:1400px}
h1{font-size:22px;margin-bottom:4px} h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd}
.sub{color:#666;margin-top:0} table{border-collapse:collapse;margin:8px 0} .note{color:#8a5a00}
td,th{border:1px solid #ddd;padding:4px 10px;text-align:left;font-size:13px} th{background:#f5f5f5}
.charts{display:flex;flex-wrap:wrap;gap:18px} figure{margin:0} figcaption{font-size:13px;margin-bottom:4px}
.graph svg{max-width:100%;height:auto} .status-completed{color:#1b7f1b} .status-failed,.status-nan{color:#b00}
"""


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _read_json(path: Path) -> Any:
    """outputs.read_json, or None for a file a failed run never wrote (or left unreadable)."""
    from modelspec.outputs import read_json

    try:
        return read_json(path)
    except (OSError, ValueError):
        return None


def _number(value: float) -> str:
    return f"{value:.4g}"


def chart(title: str, series: dict[str, list[float]], epochs: list[int]) -> str:
    """An inline SVG line chart: one polyline per series, axes with min/max ticks."""
    finite = [v for values in series.values() for v in values if isinstance(v, (int, float)) and math.isfinite(v)]
    if not finite or not epochs:
        return ""
    low, high = min(finite), max(finite)
    if high == low:
        low, high = low - 0.5, high + 0.5
    first, last = epochs[0], epochs[-1] if epochs[-1] != epochs[0] else epochs[0] + 1

    def x(epoch: float) -> float:
        return PAD + (epoch - first) / (last - first) * (WIDTH - PAD - 12)

    def y(value: float) -> float:
        return HEIGHT - 28 - (value - low) / (high - low) * (HEIGHT - 28 - 14)

    colors = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd")
    parts = [f'<svg class="curve" xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
             f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{_esc(title)}">',
             f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#fff" stroke="#ddd"/>',
             f'<line x1="{PAD}" y1="{HEIGHT - 28}" x2="{WIDTH - 12}" y2="{HEIGHT - 28}" stroke="#999"/>',
             f'<line x1="{PAD}" y1="14" x2="{PAD}" y2="{HEIGHT - 28}" stroke="#999"/>',
             f'<text x="{PAD - 4}" y="{y(high) + 4:.1f}" font-size="10" text-anchor="end">{_number(high)}</text>',
             f'<text x="{PAD - 4}" y="{y(low) + 4:.1f}" font-size="10" text-anchor="end">{_number(low)}</text>',
             f'<text x="{x(first):.1f}" y="{HEIGHT - 14}" font-size="10" text-anchor="middle">{first}</text>',
             f'<text x="{x(last):.1f}" y="{HEIGHT - 14}" font-size="10" text-anchor="middle">{epochs[-1]}</text>',
             f'<text x="{(PAD + WIDTH) / 2:.1f}" y="{HEIGHT - 3}" font-size="10" text-anchor="middle">epoch</text>']
    for index, (name, values) in enumerate(series.items()):
        color = colors[index % len(colors)]
        points = [(x(e), y(v)) for e, v in zip(epochs, values)
                  if isinstance(v, (int, float)) and math.isfinite(v)]
        if len(points) > 1:
            text = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
            parts.append(f'<polyline class="series" data-series="{_esc(name)}" fill="none" stroke="{color}" '
                         f'stroke-width="2" points="{text}"/>')
        for px, py in points:
            parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="2.5" fill="{color}"/>')
        parts.append(f'<text x="{WIDTH - 16}" y="{26 + 14 * index}" font-size="11" fill="{color}" '
                     f'text-anchor="end">{_esc(name)}</text>')
    parts.append("</svg>")
    return f"<figure><figcaption>{_esc(title)}</figcaption>{''.join(parts)}</figure>"


def charts(history: dict[str, list[float]]) -> list[str]:
    """One chart per metric: its training curve and, when present, its validation curve."""
    epochs = [int(e) for e in history.get("epoch", [])] or list(range(1, 1 + max(
        (len(v) for v in history.values()), default=0)))
    made = []
    for key in history:
        if key == "epoch" or key.startswith("val_") or key.startswith("lr") or key == "learning_rate":
            continue
        series = {"train" if f"val_{key}" in history else key: history[key]}
        if f"val_{key}" in history:
            series["validation"] = history[f"val_{key}"]
        made.append(chart(key, series, epochs[:len(history[key])]))
    for key in history:  # a validation metric with no training counterpart
        if key.startswith("val_") and key[4:] not in history:
            made.append(chart(key, {"validation": history[key]}, epochs[:len(history[key])]))
    return [c for c in made if c]


def _graph_svg(run_dir: Path, spec_data: dict[str, Any] | None, shapes: dict[str, str] | None) -> str:
    if spec_data is None:
        return '<p class="note">no spec.resolved.yaml: no graph</p>'
    from modelspec.plot import PlotError, render

    try:
        svg = render(spec_data, "svg", shapes).decode("utf-8")
    except PlotError as error:
        return f'<p class="note">graph not drawn: {_esc(error)}</p>'
    svg = re.sub(r"^<\?xml[^>]*>\s*", "", svg)
    svg = re.sub(r"<!DOCTYPE[^>]*>\s*", "", svg)
    return f'<div class="graph">{svg}</div>'


def _table(rows: list[tuple[str, Any]]) -> str:
    body = "".join(f"<tr><th>{_esc(k)}</th><td>{_esc(v)}</td></tr>" for k, v in rows)
    return f"<table>{body}</table>"


def build_html(run_dir: Path, shapes: dict[str, str] | None = None) -> str:
    info = _read_json(run_dir / "run.json") or {}
    history = _read_json(run_dir / "history.json") or {}
    metrics = _read_json(run_dir / "metrics.json")
    try:
        spec_data = yaml.safe_load((run_dir / "spec.resolved.yaml").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        spec_data = None
    name = info.get("name") or run_dir.name
    status = info.get("status", "unknown")
    made = charts(history)
    sections = [
        f"<h1>{_esc(name)}</h1>",
        f'<p class="sub">run <code>{_esc(run_dir)}</code>: <span class="status-{_esc(status)}">{_esc(status)}'
        f"</span>{_esc(' — ' + info['message']) if info.get('message') else ''}</p>",
        "<h2>Model</h2>", _graph_svg(run_dir, spec_data, shapes),
        "<h2>Training curves</h2>",
        f'<div class="charts">{"".join(made)}</div>' if made else '<p class="note">no epoch finished</p>',
    ]
    if metrics:
        sections += ["<h2>Final metrics</h2>",
                     _table([(k, _number(v) if isinstance(v, float) else v) for k, v in metrics.items()])]
    facts = [(key, info[key]) for key in ("spec", "seed", "deterministic", "started", "finished",
                                          "wall_seconds", "exit_code") if key in info]
    facts += [(f"phase {k} (s)", v) for k, v in (info.get("phases") or {}).items()]
    facts += [(f"{k} version", v) for k, v in (info.get("versions") or {}).items()]
    if info.get("command"):
        facts.append(("command", " ".join(map(str, info["command"]))))
    sections += ["<h2>Run</h2>", _table(facts)]
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{_esc(name)}: modelspec run report</title><style>{STYLE}</style></head>"
            f"<body>{''.join(sections)}</body></html>\n")


def write_report(run_dir: Path, shapes: dict[str, str] | None = None) -> Path:
    from modelspec.outputs import write_text

    path = run_dir / REPORT
    write_text(path, build_html(run_dir, shapes))
    return path
