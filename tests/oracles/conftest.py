"""Shared fixtures for the oracle tests: they run the `gongkai` binary from outside and compare its
stable CLI output with independent implementations (tech-choices §4.3, §5)."""

import json
import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _binary() -> str:
    env = os.environ.get("GONGKAI_BIN")
    if env:
        return env
    target = os.environ.get("CARGO_TARGET_DIR", "/var/tmp/gongkai-target")
    return str(Path(target) / "debug" / "gongkai")


@pytest.fixture(scope="session")
def gongkai():
    """Runs `gongkai ARGS...` and returns its stdout; fails the test on a non-zero exit."""
    binary = _binary()
    if not Path(binary).exists():
        pytest.fail(f"gongkai binary not found at {binary}; build it or set GONGKAI_BIN")

    def run(*args, stdin=None, check=True):
        proc = subprocess.run(
            [binary, *args],
            input=stdin,
            capture_output=True,
            text=True,
            env={**os.environ, "GONGKAI_DATA": os.environ.get("GONGKAI_DATA", "/tmp/gongkai-oracle-data")},
        )
        if check and proc.returncode != 0:
            pytest.fail(f"gongkai {' '.join(args)} exited {proc.returncode}: {proc.stderr}")
        return proc

    return run


@pytest.fixture(scope="session")
def node_modules() -> Path:
    """The npm packages installed by scripts/test-deps.sh (tests/package.json)."""
    path = REPO / "tests" / "node_modules"
    if not path.exists():
        pytest.fail("tests/node_modules is missing; run scripts/test-deps.sh")
    return path


def json_lines(text: str):
    return [json.loads(line) for line in text.splitlines() if line.strip()]
