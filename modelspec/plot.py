"""modelspec plot: the model graph of a spec, drawn by Graphviz (through pydot).

The graph comes from the spec alone (no TensorFlow): one box per layer, an
edge per tensor a call consumes. Inputs are green ellipses with their shape;
outputs have a double border and their loss and loss weight; a shared layer
(called more than once) is orange, says how many calls it has, and labels
each incoming edge with its call. Output shapes of the other layers are shown
when known: `modelspec plot --shapes` builds the model with Keras to learn
them, and a run's report always has them.

`.dot` needs only pydot (`pip install 'modelspec[plot]'`); `.svg` and `.png`
also need Graphviz's `dot` program (Debian: `apt-get install graphviz`).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from modelspec.normalize import ModelIR, format_ref, iter_refs, parse_model

FORMATS = ("svg", "png", "dot")
COLORS = {"input": "#d9f2d9", "output": "#fde0dc", "shared": "#ffe0b2", "layer": "#eef3fb", "model": "#e8e0f5"}


class PlotError(Exception):
    """A problem to report in one line (exit 1)."""


def _input_shape(config: dict[str, Any]) -> str | None:
    if isinstance(config.get("shape"), list):
        return str(tuple([None, *config["shape"]])).replace("'", "")
    if isinstance(config.get("batch_shape"), list):
        return str(tuple(config["batch_shape"])).replace("'", "")
    return None


def model_ir(data: dict[str, Any]) -> ModelIR:
    model = data.get("model", data) if isinstance(data, dict) else data
    ir, problems = parse_model(model, "/model")
    if ir is None or any(d.is_error for d in problems):
        raise PlotError("the spec's model section cannot be read; run 'modelspec validate' for the details")
    return ir


def graph(data: dict[str, Any], shapes: dict[str, str] | None = None) -> Any:
    """A pydot graph of the spec's model (`shapes`: layer name -> output shape text)."""
    try:
        import pydot
    except ImportError:
        raise PlotError("plotting needs pydot: pip install 'modelspec[plot]'") from None
    from modelspec.validator import for_output, output_names, short_name

    shapes = shapes or {}
    ir = model_ir(data)
    outputs = output_names(ir) or []
    compile_config = data.get("compile") if isinstance(data.get("compile"), dict) else (ir.compile_config or {})
    def per_output(key: str) -> dict[str, Any]:
        # one output takes a one-item list's item, as Keras's compile() does for loss and loss_weights
        values = {name: for_output(compile_config.get(key), i, name, len(outputs)) for i, name in enumerate(outputs)}
        return {name: v[0] if isinstance(v, list) and len(v) == 1 else v for name, v in values.items()}

    losses, weights = per_output("loss"), per_output("loss_weights")
    inputs = {ref.layer for ref in iter_refs(ir.inputs)} if ir.class_name == "Functional" else set()

    dot = pydot.Dot(graph_name="model", graph_type="digraph", rankdir="TB", fontname="Helvetica",
                    label=f"{ir.name or 'model'} ({ir.class_name})", labelloc="t", fontsize="16")
    dot.set_node_defaults(shape="box", style="rounded,filled", fontname="Helvetica", fontsize="11")
    dot.set_edge_defaults(fontname="Helvetica", fontsize="9", color="#555555")
    names = [layer.name or f"layer_{i}" for i, layer in enumerate(ir.layers)]
    for index, (layer, name) in enumerate(zip(ir.layers, names)):
        is_input = layer.class_name == "InputLayer" or name in inputs
        lines = [name, layer.class_name + (f" ({len(layer.submodel.layers)} layers)" if layer.submodel else "")]
        shape = _input_shape(layer.config) if layer.class_name == "InputLayer" else shapes.get(name)
        if shape:
            lines.append(shape)
        attributes: dict[str, Any] = {"fillcolor": COLORS["layer"]}
        if layer.submodel:
            attributes["fillcolor"] = COLORS["model"]
        if is_input:
            attributes.update(shape="ellipse", fillcolor=COLORS["input"])
            lines[1] = "input"
        if len(layer.nodes) > 1:
            attributes["fillcolor"] = COLORS["shared"]
            lines.append(f"shared: {len(layer.nodes)} calls")
        if name in outputs:
            attributes.update(peripheries="2", fillcolor=COLORS["output"])
            loss, weight = short_name(losses.get(name)), weights.get(name)
            if loss is not None:
                lines.append(f"loss: {loss}" + (f", weight {weight:g}" if isinstance(weight, (int, float)) else ""))
        node = pydot.Node(f"n{index}", label="\n".join(lines), **attributes)
        dot.add_node(node)
    ids = {name: f"n{i}" for i, name in enumerate(names)}
    if ir.class_name == "Sequential":
        for i in range(1, len(names)):
            dot.add_edge(pydot.Edge(ids[names[i - 1]], ids[names[i]]))
        return dot
    calls = {name: len(layer.nodes) for layer, name in zip(ir.layers, names)}
    for layer, name in zip(ir.layers, names):
        shared = len(layer.nodes) > 1
        for call, node in enumerate(layer.nodes):
            for ref in node.refs():
                if ref.layer not in ids:
                    continue
                label = []
                if shared:
                    label.append(f"call {call}")
                if ref.node or ref.tensor or calls.get(ref.layer, 0) > 1:  # which call of a shared source
                    label.append(format_ref(ref.layer, ref.node, ref.tensor))
                edge = pydot.Edge(ids[ref.layer], ids[name])
                if label:
                    edge.set_label(" ".join(label))
                dot.add_edge(edge)
    return dot


def render(data: dict[str, Any], fmt: str, shapes: dict[str, str] | None = None) -> bytes:
    """The graph as DOT text, SVG or PNG."""
    if fmt not in FORMATS:
        raise PlotError(f"cannot write .{fmt}: choose .svg, .png or .dot")
    dot = graph(data, shapes)
    if fmt == "dot":
        return dot.to_string().encode("utf-8")
    if shutil.which("dot") is None:
        raise PlotError(f"drawing .{fmt} needs Graphviz's 'dot' program (Debian: apt-get install graphviz); "
                        "a .dot file needs only pydot")
    try:
        return dot.create(format=fmt, prog="dot")
    except Exception as error:  # noqa: BLE001 - pydot reports Graphviz failures in several ways
        raise PlotError(f"Graphviz could not draw the graph: {error}") from None


def model_shapes(model: Any) -> dict[str, str]:
    """Each layer's output shape(s) in a built Keras model, as text."""
    shapes = {}
    for layer in model.layers:
        try:
            output = layer.output
        except (AttributeError, ValueError):
            continue
        parts = output if isinstance(output, (list, tuple)) else [output]
        texts = [str(tuple(part.shape)) for part in parts if hasattr(part, "shape")]
        if texts:
            shapes[layer.name] = ", ".join(texts)
    return shapes


def write(data: dict[str, Any], out: Path, shapes: dict[str, str] | None = None) -> Path:
    fmt = out.suffix.lstrip(".").lower()
    content = render(data, fmt, shapes)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(content)
    return out
