"""modelspec schema: print the spec schema, or regenerate schemas/ from the installed Keras."""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import TextIO

from modelspec import editor_schema, schemas


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--generate", action="store_true",
                       help="rewrite the per-class schemas in schemas/ from the installed Keras")
    group.add_argument("--check", action="store_true",
                       help="exit 1 if schemas/ differs from what the installed Keras gives")
    group.add_argument("--editor", action="store_true",
                       help="print the editor schema (schemas/editor.schema.json): one self-contained "
                       "draft-07 file whose layer entries are discriminated on class_name, for "
                       "yaml-language-server / VS Code completion")
    parser.add_argument("--layer", metavar="CLASS", help="print the schema of one layer class")


def differences(directory: Path) -> list[str]:
    from modelspec import schemagen

    with tempfile.TemporaryDirectory() as fresh:
        schemagen.write(Path(fresh))
        fresh_files = {p.relative_to(fresh).as_posix(): p.read_text() for p in Path(fresh).rglob("*.json")}
    ours = {p.relative_to(directory).as_posix(): p.read_text() for p in directory.rglob("*.json")
            if p.name not in ("spec.schema.json", editor_schema.EDITOR_SCHEMA)}
    changed = [name for name in set(fresh_files) | set(ours) if fresh_files.get(name) != ours.get(name)]
    editor = directory / editor_schema.EDITOR_SCHEMA
    if not editor.is_file() or editor.read_text(encoding="utf-8") != editor_schema.render():
        changed.append(editor_schema.EDITOR_SCHEMA)
    return sorted(changed)


def run(args: argparse.Namespace, *, stdout: TextIO, stderr: TextIO) -> int:
    if args.generate:
        from modelspec import schemagen

        written = schemagen.write(schemas.schemas_dir())
        schemas.load_schema.cache_clear()
        schemas.index.cache_clear()
        editor = schemas.schemas_dir() / editor_schema.EDITOR_SCHEMA
        editor.write_text(editor_schema.render(), encoding="utf-8")
        written.append(editor)
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
    if args.editor:
        stdout.write(editor_schema.render())
        return 0
    if args.layer:
        path = schemas.layer_schema_path(args.layer)
        if path is None:
            print(f"modelspec: unknown layer class '{args.layer}'", file=stderr)
            return 1
        print(json.dumps(schemas.load_schema(path), indent=1), file=stdout)
        return 0
    print(json.dumps(schemas.load_schema("spec.schema.json"), indent=1), file=stdout)
    return 0
