"""The simulator served: an ASGI app (uvicorn) for sockets, a threaded server around
it, and an httpx transport that hands requests to ``Simulator.handle`` in-process."""
