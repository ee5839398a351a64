"""The editor schema in a real editor backend: yaml-language-server (installed from npm by this
test; needs Node.js and npm) reads the `# yaml-language-server: $schema=...` line the shipped
specs start with, completes a Dense layer's parameters and flags a typo on its line."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.lsp_client import LanguageClient

YAML_LANGUAGE_SERVER = "yaml-language-server@2.0.0"


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> LanguageClient:
    npm = shutil.which("npm")
    assert npm, "this test installs yaml-language-server with npm: install Node.js and npm"
    prefix = tmp_path_factory.mktemp("yaml-language-server")
    subprocess.run([npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund", "--silent",
                    YAML_LANGUAGE_SERVER], check=True, capture_output=True, timeout=600)
    client = LanguageClient([str(prefix / "node_modules" / ".bin" / "yaml-language-server"), "--stdio"], ROOT)
    yield client
    client.close()


FIRST_DENSE = "        config: {name: hidden_1, units: 64, activation: relu}\n"


def edited_spec(block: str, name: str = "mnist_mlp.yaml") -> tuple[Path, str, list[str]]:
    """specs/mnist_mlp.yaml as an editor holds it after rewriting its first Dense config as `block`
    (the file itself is unchanged; a second name is a second open document in the same folder)."""
    original = ROOT / "specs" / "mnist_mlp.yaml"
    text = original.read_text()
    assert FIRST_DENSE in text
    text = text.replace(FIRST_DENSE, block, 1)
    return original.with_name(name), text, text.splitlines()


def test_a_typo_in_a_dense_config_is_flagged_on_its_line(server):
    path, text, lines = edited_spec("        config:\n          name: hidden_1\n          unit: 64\n"
                                    "          activation: relu\n")
    diagnostics = server.open(path, text)
    typo = lines.index("          unit: 64")
    flagged = {d["range"]["start"]["line"]: d["message"] for d in diagnostics}
    assert typo in flagged, diagnostics
    assert "unit" in flagged[typo] and "not allowed" in flagged[typo]
    # the other one says 'units' is missing, on the config key: nothing else is flagged
    assert set(flagged) == {typo, typo - 2}, diagnostics
    assert "units" in flagged[typo - 2]


def test_completion_inside_a_dense_config_offers_units(server):
    path, text, lines = edited_spec("        config:\n          name: hidden_1\n          \n"
                                    "          activation: relu\n", name="mnist_mlp_completion.yaml")
    server.open(path, text)
    blank = lines.index("          name: hidden_1") + 1
    items = server.completions(path, blank, 10)
    labels = {item["label"] for item in items}
    assert "units" in labels, sorted(labels)
    assert {"use_bias", "kernel_initializer"} <= labels and "filters" not in labels
    units = next(item for item in items if item["label"] == "units")
    assert "dimensionality of the output space" in str(units.get("documentation"))
