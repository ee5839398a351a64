"""Write specs as YAML or JSON, with stable key order and readable short lists."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from modelspec.loader import YAML12_FLOAT


class _SpecDumper(yaml.SafeDumper):
    """Block style, but flow style for short lists of scalars ([null, 100])."""


def _represent_list(dumper: yaml.SafeDumper, value: list[Any]) -> yaml.Node:
    flow = len(value) <= 12 and all(not isinstance(v, (list, dict)) for v in value)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flow)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_SpecDumper.add_representer(list, _represent_list)
# Quote strings such as "1e5" that modelspec's loader reads as YAML 1.2 floats.
_SpecDumper.add_implicit_resolver("tag:yaml.org,2002:float", YAML12_FLOAT, list("-+0123456789."))
_SpecDumper.add_representer(str, _represent_str)


def dumps_yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_SpecDumper, sort_keys=False, allow_unicode=True,
                     default_flow_style=False, width=100)


def dumps_json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def dumps_for(path: str | Path, data: Any) -> str:
    """YAML for .yaml/.yml targets, JSON otherwise."""
    suffix = Path(path).suffix.lower()
    return dumps_yaml(data) if suffix in (".yaml", ".yml") else dumps_json(data)
