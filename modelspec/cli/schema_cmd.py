"""modelspec schema: print the spec schema, or regenerate schemas/ from the installed Keras."""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import TextIO

from modelspec import schemas


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--generate", action="store_true",
                       help="rewrite the per-class schemas in schemas/ from the installed Keras")
    group.add_argument("--check", action="store_true",
                       help="exit 1 if schemas/ differs from what the installed Keras gives")
    parser.add_argument("--layer", metavar="CLASS", help="print the schema of one layer class")


def differences(directory: Path) -> list[str]:
    from modelspec import schemagen

    with tempfile.TemporaryDirectory() as fresh:
        schemagen.write(Path(fresh))
        fresh_files = {p.relative_to(fresh).as_posix(): p.read_text() for p in Path(fresh).rglob("*.json")}
    ours = {p.relative_to(directory).as_posix(): p.read_text() for p in directory.rglob("*.json")
            if p.name != "spec.schema.json"}
    return sorted(name for name in set(fresh_files) | set(ours) if fresh_files.get(name) != ours.get(name))


def run(args: argparse.Namespace, *, stdout: TextIO, stderr: TextIO) -> int:
    if args.generate:
        from modelspec import schemagen

        written = schemagen.write(schemas.schemas_dir())
        print(f"wrote {len(written)} files under {schemas.schemas_dir()}", file=stderr)
        return 0
    if args.check:
        changed = differences(schemas.schemas_dir())
        for name in changed[:20]:
            print(f"schemas/{name}: differs from the installed Keras", file=stderr)
        if changed:
            print(f"{len(changed)} schema file(s) are stale; run 'modelspec schema --generate'",
                  file=stderr)
        return 1 if changed else 0
    if args.layer:
        path = schemas.layer_schema_path(args.layer)
        if path is None:
            print(f"modelspec: unknown layer class '{args.layer}'", file=stderr)
            return 1
        print(json.dumps(schemas.load_schema(path), indent=1), file=stdout)
        return 0
    print(json.dumps(schemas.load_schema("spec.schema.json"), indent=1), file=stdout)
    return 0
