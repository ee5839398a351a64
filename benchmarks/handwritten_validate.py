"""What a user would write by hand to check a spec: the comparator for `modelspec validate`.

    python benchmarks/handwritten_validate.py SPEC [SPEC ...]

`yaml.safe_load` (PyYAML's default safe loader), then `jsonschema` against the
same schemas modelspec ships: schemas/spec.schema.json for the whole document,
and schemas/layers/<class_name>.schema.json for every ``{class_name, config}``
mapping whose class has one. No positions, no graph checks, no safety scan: it
does less than modelspec, so it is the floor a hand-written check costs in time
and memory. Prints the number of schema errors per file; exit 1 if any.

bench_all.py's memory section compares the peak RSS of `modelspec validate`
against this script (the issue's "hand-written script" for validate); its
latency section keeps the stricter floor of ``python -c "import yaml, jsonschema"``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import jsonschema
import yaml

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"


def layer_configs(value: object):
    """Every (class_name, config) pair in the document, iteratively."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            if isinstance(item.get("class_name"), str) and isinstance(item.get("config"), dict):
                yield item["class_name"], item["config"]
            stack.extend(item.values())


def check(path: str) -> int:
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    schema = json.loads((SCHEMAS / "spec.schema.json").read_text())
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(data))
    validators: dict[str, jsonschema.protocols.Validator | None] = {}
    for class_name, config in layer_configs(data):
        if class_name not in validators:
            file = SCHEMAS / "layers" / f"{class_name}.schema.json"
            validators[class_name] = (jsonschema.Draft202012Validator(json.loads(file.read_text()))
                                      if file.is_file() else None)
        if validators[class_name] is not None:
            errors.extend(validators[class_name].iter_errors(config))
    return len(errors)


def main(argv: list[str]) -> int:
    failed = 0
    for path in argv:
        count = check(path)
        print(f"{path}: {count} error(s)")
        failed += count > 0
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
