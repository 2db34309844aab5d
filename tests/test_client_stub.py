"""The typed surface (src/pykis/client.pyi) matches the client: async methods for
AsyncKIS, plain ones for KIS, every public method in both."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_the_stub_is_current() -> None:
    done = subprocess.run([sys.executable, "tools/client_stub.py", "--check"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_the_stub_declares_every_method_both_ways() -> None:
    from pykis.client import _Surface

    stub = (ROOT / "src" / "pykis" / "client.pyi").read_text()
    public = [n for n in vars(_Surface) if not n.startswith("_") and callable(vars(_Surface)[n])]
    for name in public:
        if name == "from_env":
            continue
        assert f"    def {name}(" in stub and f"    async def {name}(" in stub, name
