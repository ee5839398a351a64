"""Synthetic concise modelspec specs for the benchmarks (no TensorFlow import).

What it provides
----------------
- `chain_spec(n)`: an Input followed by a plain chain of `n` Dense layers
  (`d0 .. d{n-1}`), depth `n`.  Used to measure how validation and building
  grow with model size, and how deep a graph `modelspec.build` survives.
- `wide_graph_spec(n)`: a DAG of about `n` layers that is NOT a plain chain:
  a shared Dense layer called twice (on the input and on a stem Dense, the two
  calls merged with Add), then blocks of parallel Dense branches merged with
  Add, so the depth is about `n / 3`.
- `write_yaml(spec, path)`: dump a spec with `yaml.safe_dump`.

Targets (from the performance issue) measured with these specs: validating a
1,000-layer spec takes <= 1 s and grows linearly; building is within 1.2x of
`keras.Model.from_config` at 1,000 layers; a 5,000-deep chain builds.

Run it as a script to write example files:
    python benchmarks/spec_generator.py --out /tmp/specs --sizes 100 1000
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

import yaml

__all__ = ["chain_spec", "wide_graph_spec", "write_yaml", "graph_depth"]


def _input(name: str, width: int) -> dict[str, Any]:
    return {"class_name": "InputLayer", "config": {"name": name, "shape": [width]}}


def _dense(name: str, width: int, inbound: list[Any]) -> dict[str, Any]:
    return {"class_name": "Dense", "config": {"name": name, "units": width}, "inbound_nodes": inbound}


def _add(name: str, inputs: list[str]) -> dict[str, Any]:
    # A merge layer is called on a LIST of tensors: one node whose argument is a list.
    return {"class_name": "Add", "config": {"name": name}, "inbound_nodes": [list(inputs)]}


def _wrap(name: str, layers: list[dict[str, Any]], inputs: list[str], outputs: list[str]) -> dict[str, Any]:
    return {
        "modelspec": 1,
        "name": name,
        "model": {
            "class_name": "Functional",
            "config": {"name": name, "layers": layers, "input_layers": inputs, "output_layers": outputs},
        },
    }


def chain_spec(n_layers: int, *, width: int = 8) -> dict[str, Any]:
    """Input `x` (shape [width]) then Dense d0..d{n-1}, each fed by the previous layer."""
    if n_layers < 1:
        raise ValueError("n_layers must be >= 1")
    layers = [_input("x", width)]
    previous = "x"
    for i in range(n_layers):
        name = f"d{i}"
        layers.append(_dense(name, width, [previous]))
        previous = name
    return _wrap(f"chain{n_layers}", layers, ["x"], [previous])


def wide_graph_spec(n_layers: int, *, width: int = 8, branches: int = 5) -> dict[str, Any]:
    """A non-chain DAG of `n_layers` layers (besides the input), depth about n/3.

    Layout:
        x -> stem (Dense)
        shared (Dense) called twice: shared[0] on x, shared[1] on stem
        merge0 = Add([shared[0], shared[1]])
        blocks b = 0..: `branches` parallel Dense from the previous merge,
                        merged with Add (branches + 1 layers, depth 2)
        left-over layers: a short Dense chain at the end.
    With the default 5 branches a block is 6 layers deep 2, so depth ~ n/3.
    """
    if n_layers < 3:
        raise ValueError("n_layers must be >= 3 (stem, shared, merge)")
    if branches < 2:
        raise ValueError("branches must be >= 2")
    layers = [
        _input("x", width),
        _dense("stem", width, ["x"]),
        # The shared layer: one layer, two calls (nodes 0 and 1).
        _dense("shared", width, ["x", "stem"]),
        _add("merge0", ["shared", "shared[1]"]),
    ]
    previous = "merge0"
    budget = n_layers - 3
    block = 0
    while budget >= branches + 1:
        names = [f"b{block}_{j}" for j in range(branches)]
        for name in names:
            layers.append(_dense(name, width, [previous]))
        merge = f"b{block}_add"
        layers.append(_add(merge, names))
        previous = merge
        budget -= branches + 1
        block += 1
    for i in range(budget):
        name = f"tail{i}"
        layers.append(_dense(name, width, [previous]))
        previous = name
    return _wrap(f"wide{n_layers}", layers, ["x"], [previous])


def graph_depth(spec: dict[str, Any]) -> int:
    """Longest path (in layers, input excluded) of a spec made by this module."""
    depth: dict[str, int] = {}
    for layer in spec["model"]["config"]["layers"]:
        name = layer["config"]["name"]
        best = 0
        for node in layer.get("inbound_nodes", []):
            refs = node if isinstance(node, list) else [node]
            for ref in refs:
                src = ref.split("[", 1)[0]
                best = max(best, depth[src] + 1) if src != name else best
        depth[name] = best
    return max(depth.values())


def write_yaml(spec: dict[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write `spec` as YAML (yaml.safe_dump, key order kept) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as stream:
        yaml.safe_dump(spec, stream, sort_keys=False, default_flow_style=None, width=120)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", default="benchmark_specs", help="folder to write into")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--width", type=int, default=8)
    args = parser.parse_args(argv)
    for n in args.sizes:
        for kind, spec in (("chain", chain_spec(n, width=args.width)), ("wide", wide_graph_spec(n, width=args.width))):
            path = write_yaml(spec, Path(args.out) / f"{kind}{n}.yaml")
            layers = len(spec["model"]["config"]["layers"])
            print(f"{path}  layers={layers}  depth={graph_depth(spec)}  bytes={path.stat().st_size}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
