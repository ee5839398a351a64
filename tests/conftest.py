"""Shared test helpers: the repository root and a spec-writing fixture."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest
from hypothesis import settings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

ROOT = Path(__file__).resolve().parents[1]

# Property tests draw the same examples on every run, so that CI is repeatable;
# MODELSPEC_HYPOTHESIS=explore draws new ones (and keeps failures in .hypothesis/).
settings.register_profile("repeatable", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("MODELSPEC_HYPOTHESIS", "repeatable"))


@pytest.fixture
def write_spec(tmp_path):
    """Write a YAML (or JSON) spec text to a file and return its path."""

    def write(text: str, name: str = "spec.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return write
