"""The pre-commit hooks in .pre-commit-hooks.yaml, run by the real pre-commit (the `dev` extra
installs it from PyPI) in a throwaway git repository, as a project using modelspec would."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

BAD_SPEC = """\
modelspec: 1
model:
  class_name: Sequential
  config:
    layers:
      - {class_name: InputLayer, config: {shape: [4]}}
      - {class_name: Dense, config: {unit: 3}}
"""


def git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A git repository with a good spec, a bad one, and a YAML file outside specs/."""
    repo = tmp_path / "project"
    (repo / "specs").mkdir(parents=True)
    shutil.copy(ROOT / "specs" / "mnist_mlp.yaml", repo / "specs" / "good.yaml")
    (repo / "specs" / "bad.yaml").write_text(BAD_SPEC)
    (repo / "ci.yaml").write_text("jobs: {test: {runs-on: ubuntu-latest}}\n")  # not a spec: not checked
    git("init", "-q", cwd=repo)
    git("add", ".", cwd=repo)
    return repo


def pre_commit(repo: Path, hook: str, home: Path) -> subprocess.CompletedProcess:
    """`pre-commit try-repo` runs a hook of a hooks repository (this checkout) in `repo`."""
    env = dict(os.environ, PRE_COMMIT_HOME=str(home), PRE_COMMIT_COLOR="never")
    return subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), hook, "--all-files"],
                          cwd=repo, env=env, capture_output=True, text=True, timeout=900)


@pytest.mark.parametrize("hook", ["modelspec-validate", "modelspec-validate-system"])
def test_the_hook_fails_on_a_bad_spec_with_the_located_message(project, tmp_path, hook):
    """modelspec-validate installs modelspec into pre-commit's own environment (a minute, once);
    modelspec-validate-system uses the modelspec installed here."""
    proc = pre_commit(project, hook, tmp_path / "pre-commit-home")
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output
    assert "Failed" in output
    assert "specs/bad.yaml:7:38: error: /model/config/layers/1/config/unit: unknown parameter 'unit' " \
           "for Dense layer" in output
    assert "did you mean 'units'?" in output
    assert "good.yaml" not in output and "ci.yaml" not in output
    assert "Traceback" not in output

    (project / "specs" / "bad.yaml").write_text(BAD_SPEC.replace("unit:", "units:"))
    git("add", ".", cwd=project)
    proc = pre_commit(project, hook, tmp_path / "pre-commit-home")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Passed" in proc.stdout
