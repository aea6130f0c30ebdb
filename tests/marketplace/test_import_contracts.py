"""The import contracts in pyproject.toml (`[tool.importlinter]`, docs/architecture.md)
hold for the code as it is, and an import against them fails the check that `make test`
runs: shown by adding one upward import to a copy of the apps."""

import shutil
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
APPS = ["marketplace", "listeners", "payments", "sessions", "reviews", "care"]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=cwd,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(cwd)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_contracts_hold():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


def test_an_upward_import_breaks_the_layers_contract(tmp_path):
    # given: a copy of the apps' code where listeners imports sessions
    for app in APPS:
        shutil.copytree(
            ROOT / app,
            tmp_path / app,
            ignore=shutil.ignore_patterns("locale", "static", "templates", "*.json*", "*.tsv"),
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "listeners" / "upward.py").write_text("from sessions.models import Order\n")
    # when
    result = lint_imports(tmp_path)
    # then
    assert result.returncode == 1
    assert "Contracts: 1 kept, 1 broken." in result.stdout
    assert "listeners.upward -> sessions.models" in result.stdout
