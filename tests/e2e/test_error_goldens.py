"""Golden stderr for typical spec mistakes: pins the wording of `modelspec validate`.

Each fixture ``tests/golden_errors/NN_name.yaml`` (or ``.json``) is a small,
realistic spec holding one typical mistake. Next to it, ``NN_name.stderr`` is
exactly what ``modelspec validate tests/golden_errors/NN_name.yaml`` prints on
stderr when run from the repository root, with that relative path replaced by
the placeholder ``{path}``. The command must exit with 1 and never print a
traceback.

The files are meant to be read and reviewed: a change of wording shows up as a
diff of a ``.stderr`` file.

Regenerating after an intended change of wording::

    MODELSPEC_REGEN_GOLDENS=1 python -m pytest -q tests/e2e/test_error_goldens.py
    git diff tests/golden_errors/    # review every changed message

With ``MODELSPEC_REGEN_GOLDENS=1`` each test rewrites its ``.stderr`` file
(creating it for a new fixture) instead of comparing, and passes; the exit code
and no-traceback checks still apply. To add a case, drop a new fixture in
``tests/golden_errors/`` and regenerate.

``validate`` never imports TensorFlow, so these tests are fast and carry no
``keras`` marker.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

GOLDEN_DIR = ROOT / "tests" / "golden_errors"
FIXTURES = sorted(p for p in GOLDEN_DIR.iterdir() if p.suffix in (".yaml", ".yml", ".json"))
EXPECTED_EXIT_CODE = 1
REGEN = os.environ.get("MODELSPEC_REGEN_GOLDENS") == "1"


def test_there_are_fixtures():
    assert len(FIXTURES) >= 15, FIXTURES


@pytest.mark.parametrize("fixture", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_validate_stderr_matches_golden(fixture):
    rel = fixture.relative_to(ROOT).as_posix()
    proc = subprocess.run([sys.executable, "-m", "modelspec", "validate", rel], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == EXPECTED_EXIT_CODE, (proc.returncode, proc.stdout, proc.stderr)
    stderr = proc.stderr.replace(rel, "{path}")
    golden = fixture.with_suffix(".stderr")
    if REGEN:
        golden.write_text(stderr, encoding="utf-8", newline="\n")
        return
    assert golden.exists(), f"no golden {golden.name}: run with MODELSPEC_REGEN_GOLDENS=1 to create it"
    assert stderr == golden.read_text(encoding="utf-8"), (
        f"stderr of `modelspec validate {rel}` changed; if intended, regenerate with "
        f"MODELSPEC_REGEN_GOLDENS=1 and review the diff")
