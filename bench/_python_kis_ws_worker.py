"""python-kis's real-time frame parser, timed for ``bench/ws_decode.py`` (issue 4).

Runs under ``bench/.venvs/python-kis/bin/python -I`` only: there ``import pykis`` is
python-kis, not this project. Reads one JSON command per line on stdin and writes one
JSON answer per line on stdout (anything python-kis prints goes to stderr):

    {"command": "load", "path"}       frames by record count, from a JSON file written
                                      by ws_decode.py: {"1": [frame, ...], "4": [...]}
    {"command": "decode", "size", "repeat", "read"?}
                                      parse every frame of that size ``repeat`` times;
                                      with ``read`` (attribute names; ``true`` is price
                                      and volume), also read those of each record;
                                      answers wall and CPU seconds and records
    {"command": "quit"}

What is timed is what python-kis 2.1.6 does with a data frame before handing records
to its subscribers: ``KisWebsocketClient._handle_event`` cuts the ``0|TR|NNN|`` header
off with one ``str.split("|", 3)`` and passes the body to
``KisWebsocketResponse.parse(body, count=..., response_type=WEBSOCKET_RESPONSES_MAP[tr])``,
a generator that builds one ``KisDomesticRealtimePrice`` per record, converting its
fields as it goes. The header cut is the protocol, not python-kis's code; the parse is
python-kis's own installed function, called as its client calls it. Left out, as they
are on our side: decryption (H0STCNT0 is plain), ``kis_object_init`` (attaches the
``PyKis`` client to each object) and the event dispatch.
"""

# ruff: noqa: I001  (ruff sorts python-kis's pykis.* as this project's or not, module by module)
from __future__ import annotations

import gc
import json
import sys
import time
import traceback
from operator import attrgetter

import pykis.__env__  # python-kis, not this project: this file runs only in its venv
from pykis.api.websocket import WEBSOCKET_RESPONSES_MAP
from pykis.responses.websocket import KisWebsocketResponse

PROTOCOL = sys.stdout
sys.stdout = sys.stderr  # python-kis's own prints must not garble the protocol

FRAMES: dict[int, list[str]] = {}


def parse(frame: str) -> list:
    """One frame to python-kis's price objects, as its client's frame handler does."""
    _flag, tr_id, count, body = frame.split("|", 3)
    return list(KisWebsocketResponse.parse(body, count=int(count),
                                           response_type=WEBSOCKET_RESPONSES_MAP[tr_id]))


def load(path: str) -> dict:
    with open(path, encoding="utf-8") as source:
        FRAMES.clear()
        FRAMES.update({int(size): frames for size, frames in json.load(source).items()})
    # What python-kis read from the first frame of each size, so the parent can check
    # that both parsers saw the same records (symbol, price, cumulative volume).
    check = {str(size): [[r.symbol, str(int(r.price)), str(r.volume)] for r in parse(frames[0])]
             for size, frames in FRAMES.items()}
    return {"version": pykis.__env__.VERSION, "check": check}


def decode(size: int, repeat: int, read: bool | list[str] = False) -> dict:
    frames = FRAMES[size]
    handle = parse
    records = 0
    if read is True:
        read = ["price", "volume"]
    fields = attrgetter(*read) if read else None
    gc.collect()  # start each batch from the same heap state as the other side does
    wall, cpu = time.perf_counter(), time.process_time()
    if fields is not None:
        for _ in range(repeat):
            for frame in frames:
                for record in handle(frame):
                    fields(record)  # the read is the point
                    records += 1
    else:
        for _ in range(repeat):
            for frame in frames:
                records += len(handle(frame))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return {"seconds": wall, "cpu": cpu, "records": records}


COMMANDS = {"load": load, "decode": decode}


def main() -> None:
    for line in sys.stdin:
        message = json.loads(line)
        command = message.pop("command")
        if command == "quit":
            PROTOCOL.write(json.dumps({"ok": True}) + "\n")
            PROTOCOL.flush()
            return
        try:
            answer = COMMANDS[command](**message)
        except Exception as error:  # noqa: BLE001  (reported to the parent)
            traceback.print_exc()
            answer = {"error": f"{type(error).__name__}: {str(error)[:1000]}"}
        PROTOCOL.write(json.dumps(answer) + "\n")
        PROTOCOL.flush()


if __name__ == "__main__":
    main()
