"""A command whose extra is not installed says which extra to install, in one line."""

from __future__ import annotations

import subprocess
import sys

BLOCKED = "import sys\nfor name in ('pandas', 'pyarrow', 'duckdb', 'plotly'):\n" \
          "    sys.modules[name] = None\n"


def without_research_extra(tmp_path, *argv: str) -> subprocess.CompletedProcess[str]:
    """``pykis ARGV`` in a process where the research extra's packages cannot import."""
    code = BLOCKED + f"sys.argv = {['pykis', *argv]!r}\n" \
                     "from pykis.cli.main import run\nrun()\n"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=tmp_path, timeout=60)


def test_history_without_the_research_extra_says_what_to_install(tmp_path) -> None:
    done = without_research_extra(tmp_path, "history", "list")
    assert done.returncode == 1
    assert done.stderr.strip() == "pykis: pykis.history needs its extra: " \
                                  "pip install 'pykis[research]'"
    assert "Traceback" not in done.stderr


def test_backtest_without_the_research_extra_says_what_to_install(tmp_path) -> None:
    done = without_research_extra(tmp_path, "backtest", "-c", "bot.toml", "--from",
                                  "2026-11-23", "--to", "2026-11-24")
    assert done.returncode == 1
    assert done.stderr.strip() == "pykis: pykis.backtest needs its extra: " \
                                  "pip install 'pykis[research]'"
