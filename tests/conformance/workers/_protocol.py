"""What both client workers share: the JSON-lines loop, JSON for the clients' values,
real-time events kept until asked for, and KIS's hosts as the clients write them.

Runs in a client's venv (``python -I``): nothing of this project is importable here.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import threading
import time
import traceback
from collections.abc import Callable
from decimal import Decimal
from typing import Any

PROTOCOL = sys.stdout
sys.stdout = sys.stderr  # the clients' own prints must not garble the protocol

SIM_URL = os.environ["CONFORMANCE_SIM_URL"]  # http://127.0.0.1:PORT
SIM_WS_URL = "ws" + SIM_URL[len("http"):]

# KIS's hosts (kis-reference README §1), as the clients write them.
KIS_REST = ("https://openapi.koreainvestment.com:9443",
            "https://openapivts.koreainvestment.com:29443")
KIS_WS = ("ws://ops.koreainvestment.com:21000", "ws://ops.koreainvestment.com:31000")


def jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else str(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return repr(value)


class Events:
    """Real-time records by channel, as the client delivered them, until taken."""

    def __init__(self) -> None:
        self._items: dict[str, list[Any]] = {}
        self._cond = threading.Condition()

    def put(self, channel: str, item: Any) -> None:
        with self._cond:
            self._items.setdefault(channel, []).append(item)
            self._cond.notify_all()

    def take(self, channel: str, count: int, timeout: float) -> list[Any]:
        """Every record of ``channel`` so far, once there are ``count`` of them or
        ``timeout`` seconds have passed."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self._items.get(channel, [])) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
            return self._items.pop(channel, [])


def serve(commands: dict[str, Callable[..., Any]],
          on_quit: Callable[[], None] | None = None) -> None:
    for line in sys.stdin:
        message = json.loads(line)
        command = message.pop("command")
        if command == "quit":
            break
        try:
            answer = {"result": jsonable(commands[command](**message))}
        except BaseException as error:  # noqa: BLE001  (reported to the test)
            trace = traceback.format_exc()
            print(trace, file=sys.stderr)
            answer = {"error": f"{type(error).__name__}: {str(error)[:2000]}",
                      "traceback": trace[-6000:]}
        PROTOCOL.write(json.dumps(answer) + "\n")
        PROTOCOL.flush()
    if on_quit is not None:  # on "quit" or when the test process went away
        on_quit()
    try:
        PROTOCOL.write(json.dumps({"result": None}) + "\n")
        PROTOCOL.flush()
    except OSError:  # nobody is listening any more
        pass
