"""The PostgreSQL cases skip, saying why, where no server can be started, and fail
instead when PYKIS_REQUIRE_POSTGRES=1 (as .ci/run sets it): CI must not go green
without having run them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ONE_TEST = "tests/engine/test_store_schema.py::test_the_migrated_schema_is_the_orm_schema"


def run_without_postgres(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "PYKIS_REQUIRE_POSTGRES"}
    environment.update(PYKIS_POSTGRES_BIN=str(tmp_path / "no-server-here"), **env)
    return subprocess.run(
        [sys.executable, "-m", "pytest", ONE_TEST, "-q", "-rsE", "-p", "no:cacheprovider",
         "-n0"],  # in this process: one test, and its summary line as written
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=240, check=False)


def test_without_a_server_the_postgresql_cases_skip_with_the_reason(tmp_path):
    done = run_without_postgres(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed, 1 skipped" in done.stdout
    assert "has no initdb and pg_ctl" in done.stdout


def test_without_a_server_ci_fails(tmp_path):
    done = run_without_postgres(tmp_path, PYKIS_REQUIRE_POSTGRES="1")
    assert done.returncode != 0
    assert "1 passed, 1 error" in done.stdout
    assert "PYKIS_REQUIRE_POSTGRES=1 but" in done.stdout
