"""The ``pykis`` command (needs the "cli" extra: typer and rich)."""
