"""report.html: every run writes one, `modelspec report` writes it again, and it renders in
headless Chromium (Debian's chromium, which .ci/run installs) with no console errors and one
chart per metric. The screenshot is kept in test-artifacts/report.png."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.keras

ARTIFACTS = ROOT / "test-artifacts"


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "modelspec", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    """news_headline (two inputs, two outputs with loss weights) trained for 3 short epochs."""
    out = tmp_path_factory.mktemp("report") / "run"
    proc = cli("run", "specs/news_headline.yaml", "--output-dir", str(out), "--set", "fit.epochs=3",
               "--set", "data.train.samples=256")
    assert proc.returncode == 0, proc.stderr + proc.stdout
    return out


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    assert found, "these tests render the report in Debian's chromium: apt-get install chromium"
    return found


def headless(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                           "--enable-logging=stderr", "--v=0", *args],
                          capture_output=True, text=True, timeout=120)


def test_every_run_writes_a_self_contained_report(run_dir):
    page = (run_dir / "report.html").read_text()
    assert "<script" not in page and not re.search(r'(src|href)="(?!#)', page)  # nothing loaded from outside
    assert page.count('class="curve"') == 5  # loss and, per output, its loss and accuracy
    for metric in ("main_output_loss", "aux_output_accuracy", "loss"):
        assert f"<figcaption>{metric}</figcaption>" in page
    assert 'data-series="train"' in page and 'data-series="validation"' in page
    assert "loss: binary_crossentropy, weight 0.2" in page  # the graph, with the loss weights
    assert "(None, 100, 512)" in page  # and the shapes the built model knows
    assert "Final metrics" in page and "main_output_accuracy" in page
    assert "keras version" in page and "completed" in page


def test_report_command_writes_it_again(run_dir):
    (run_dir / "report.html").unlink()
    proc = cli("report", str(run_dir))
    assert proc.returncode == 0, proc.stderr
    assert page_charts((run_dir / "report.html").read_text()) == 5
    proc = cli("report", str(run_dir.parent / "nowhere"))
    assert proc.returncode == 1 and "is not a run directory" in proc.stderr


def page_charts(page: str) -> int:
    return page.count('class="curve"')


def test_the_report_renders_in_headless_chromium(run_dir):
    url = (run_dir / "report.html").as_uri()
    dom = headless("--dump-dom", url)
    assert dom.returncode == 0, dom.stderr
    assert page_charts(dom.stdout) == 5 and dom.stdout.count('class="series"') == 10
    assert "CONSOLE" not in dom.stderr, [line for line in dom.stderr.splitlines() if "CONSOLE" in line]

    ARTIFACTS.mkdir(exist_ok=True)
    screenshot = ARTIFACTS / "report.png"
    screenshot.unlink(missing_ok=True)
    shot = headless("--window-size=1300,2200", f"--screenshot={screenshot}", url)
    assert shot.returncode == 0, shot.stderr
    assert screenshot.read_bytes()[:4] == b"\x89PNG" and screenshot.stat().st_size > 20_000


def test_a_failed_run_still_has_a_report(tmp_path):
    spec = tmp_path / "nan.yaml"
    spec.write_text((ROOT / "specs" / "news_headline.yaml").read_text())
    out = tmp_path / "run"
    proc = cli("run", str(spec), "--output-dir", str(out), "--set", "fit.epochs=2",
               "--set", "data.train.samples=64", "--set", "compile.optimizer={class_name: SGD, config: "
               "{learning_rate: 1.0e+30}}")
    assert (out / "report.html").is_file(), proc.stdout + proc.stderr
    assert "modelspec run report" in (out / "report.html").read_text()
