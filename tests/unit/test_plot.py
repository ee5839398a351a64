"""modelspec plot: the graph from the spec alone, without TensorFlow (needs pydot, and Graphviz's
dot for .svg/.png: the plot extra and Debian's graphviz, which .ci/run installs)."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from modelspec.cli.main import main
from modelspec.plot import graph

ROOT = Path(__file__).resolve().parents[2]


def plot(*args: str) -> tuple[int, str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    code = main(["plot", *args], stdout=stdout, stderr=stderr)
    return code, stdout.getvalue(), stderr.getvalue()


def spec_data(name: str) -> dict:
    import yaml

    return yaml.safe_load((ROOT / "specs" / name).read_text())


def nodes(dot) -> dict[str, dict]:
    found = {}
    for node in dot.get_nodes():
        if node.get_name() in ("node", "edge", "graph"):  # the defaults, not layers
            continue
        attributes = {k: str(v).strip('"') for k, v in node.get_attributes().items()}
        found[attributes["label"].split("\n")[0]] = attributes
    return found


def test_inputs_outputs_and_loss_weights_are_marked():
    dot = graph(spec_data("news_headline.yaml"))
    found = nodes(dot)
    assert found["main_input"]["shape"] == "ellipse" and "(None, 100)" in found["main_input"]["label"]
    assert found["aux_output"]["peripheries"] == "2"
    assert "loss: binary_crossentropy, weight 0.2" in found["aux_output"]["label"]
    assert "loss: binary_crossentropy, weight 1" in found["main_output"]["label"]
    assert "peripheries" not in found["lstm"]
    assert len(dot.get_edges()) == 9


def test_a_shared_layer_is_drawn_once_with_an_edge_per_call():
    dot = graph(spec_data("tweet_shared_lstm.yaml"))
    found = nodes(dot)
    assert "shared: 2 calls" in found["shared_lstm"]["label"]
    labels = sorted((e.get_label() or "").strip('"') for e in dot.get_edges())
    assert labels == ["", "call 0", "call 1", "shared_lstm", "shared_lstm[1]"]


def test_sequential_layers_are_chained():
    dot = graph(spec_data("mnist_mlp_sequential.yaml"))
    assert len(dot.get_edges()) == len(nodes(dot)) - 1


@pytest.mark.parametrize("suffix, magic", [(".svg", b"<svg "), (".png", b"\x89PNG"), (".dot", b"digraph")])
def test_each_format_is_written(tmp_path, suffix, magic):
    out = tmp_path / f"graph{suffix}"
    code, stdout, stderr = plot(str(ROOT / "specs" / "tweet_shared_lstm.yaml"), "-o", str(out))
    assert code == 0, stderr
    assert magic in out.read_bytes()[:400] and f"wrote {out}" in stdout


def test_plot_never_imports_tensorflow(tmp_path):
    code = ("import sys; from modelspec.cli.main import main; "
            f"rc = main(['plot', {str(ROOT / 'specs' / 'news_headline.yaml')!r}, '-o', {str(tmp_path / 'g.svg')!r}]); "
            "print(rc, 'tensorflow' in sys.modules, 'keras' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.stdout.split()[-3:] == ["0", "False", "False"], proc.stderr


def test_problems_are_one_line_errors(tmp_path):
    code, _, stderr = plot(str(ROOT / "specs" / "mnist_mlp.yaml"), "-o", str(tmp_path / "g.jpg"))
    assert code == 1 and "cannot write .jpg: choose .svg, .png or .dot" in stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("modelspec: 1\nmodel: {class_name: Sequential, config: {layers: [{class_name: Dense2}]}}\n")
    code, _, stderr = plot(str(bad), "-o", str(tmp_path / "g.svg"))
    assert code == 1 and "unknown layer class 'Dense2'" in stderr


def test_without_graphviz_svg_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot program on it
    code, _, stderr = plot(str(ROOT / "specs" / "mnist_mlp.yaml"), "-o", str(tmp_path / "g.svg"))
    assert code == 1 and "needs Graphviz's 'dot' program (Debian: apt-get install graphviz)" in stderr
    code, _, stderr = plot(str(ROOT / "specs" / "mnist_mlp.yaml"), "-o", str(tmp_path / "g.dot"))
    assert code == 0, stderr
