"""The README's client example, run as written against the simulator over a socket,
configured the way a user would: the environment."""

from __future__ import annotations

import re
from pathlib import Path

from support import make_sim

from pykis.sim import Env, SimServer

README = Path(__file__).parent.parent / "README.md"


def test_the_readme_client_example_runs(tmp_path: Path, monkeypatch) -> None:
    code = re.search(r"```python\n(from pykis import KIS\n.*?)```", README.read_text(),
                     re.S).group(1)
    sim = make_sim()
    sim.clock.set(sim.clock.now(), frozen=False)
    creds = sim.credentials(Env.PAPER)
    with SimServer(sim) as server:
        for name, value in {"KIS_APP_KEY": creds.app_key, "KIS_APP_SECRET": creds.app_secret,
                            "KIS_ACCOUNT_NO": creds.account_no, "KIS_PAPER": "true",
                            "KIS_BASE_URL": server.base_url}.items():
            monkeypatch.setenv(name, value)
        monkeypatch.chdir(tmp_path)  # no stray .env file
        exec(compile(code, "README.md", "exec"), {})
    ledger = sim.account_by_number(creds.account_no).orders
    assert [o.kind for o in ledger.values()] == ["new", "amend"]
