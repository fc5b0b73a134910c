"""A normal (non-editable) install carries the bundled policies and rule pack and finds them."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.support import paths

REPO = paths.REPO


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out), str(REPO)],
        check=True,
        timeout=300,
        capture_output=True,
    )
    # The distribution is service-gate ("gate" on PyPI is another project); the package and command stay gate.
    (built,) = out.glob("service_gate-*.whl")
    return built


def test_the_wheel_carries_policies_and_rules(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert "gate/_policies/default.toml" in names
    assert any(n.startswith("gate/_policies/semgrep/") and n.endswith(".yaml") for n in names)
    assert "gate/reporters/templates/report.html.j2" in names
    assert not any(n.startswith(("tests/", "examples/", ".venv")) for n in names)
    (entry_points,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
    assert entry_points.startswith("service_gate-")
    assert "gate = gate.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_an_installed_gate_finds_its_bundled_policy(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    site = Path(
        subprocess.run(
            [str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout.strip()
    )
    zipfile.ZipFile(wheel).extractall(site)  # installing a pure wheel is unpacking it into site-packages
    # gate's dependencies come from the environment running the tests; gate itself only from the wheel.
    (site / "deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    target = tmp_path / "target"
    target.mkdir()
    # Every check the default policy requires is configured, so that validate reports the target valid.
    (target / "gate.toml").write_text(
        'policy = "default"\n[security]\npaths = ["."]\n[coverage]\n'
        'report = "coverage.xml"\n[service]\nurl = "http://127.0.0.1:8000"\n'
    )
    (target / "coverage.xml").write_text("<coverage/>\n")
    done = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "gate", "validate", str(target)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert f"{site}/gate/_policies/default.toml" in done.stdout
    # The command keeps its name and its version under the new distribution name.
    version = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "gate", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        check=False,
    )
    assert version.stdout.startswith("gate, version "), version.stderr
    assert (site / f"service_gate-{version.stdout.split()[-1]}.dist-info").is_dir()
