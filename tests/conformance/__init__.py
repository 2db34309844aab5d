"""Conformance: community KIS clients, unmodified but for the host, against the simulator."""
