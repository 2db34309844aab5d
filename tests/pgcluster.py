"""A throwaway PostgreSQL server for tests: initdb and pg_ctl from the server packages
(Debian: /usr/lib/postgresql/<version>/bin) into a private temporary directory, reachable
only through a unix socket in that directory (no TCP port to collide with).

initdb refuses to run as root, so as root the cluster is made and run by the
``postgres`` user that Debian's package creates, in a directory that user owns.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

PORT = 5432  # only names the socket file: the server listens on no TCP port
USER = "pykis"


class PostgresUnavailable(Exception):
    """Why no server can be started here (the message says what to install)."""


def server_binaries() -> Path:
    """The directory with initdb and pg_ctl: ``PYKIS_POSTGRES_BIN`` if set, else the
    newest Debian version, else PATH."""
    override = os.environ.get("PYKIS_POSTGRES_BIN")
    if override:
        if all((Path(override) / tool).is_file() for tool in ("initdb", "pg_ctl")):
            return Path(override)
        raise PostgresUnavailable(f"PYKIS_POSTGRES_BIN={override} has no initdb and pg_ctl")
    versions = glob.glob("/usr/lib/postgresql/*/bin/initdb")
    versions.sort(key=lambda path: int(Path(path).parent.parent.name.split(".")[0]))
    if versions:
        return Path(versions[-1]).parent
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if initdb and pg_ctl:
        return Path(initdb).resolve().parent
    raise PostgresUnavailable(
        "PostgreSQL server binaries (initdb, pg_ctl) not found in /usr/lib/postgresql/*/bin "
        "or on PATH; install them (Debian: apt-get install postgresql) to run these tests")


class Cluster:
    """One running server; ``url(database)`` for SQLAlchemy, ``create_database()`` for a
    fresh empty database per test."""

    def __init__(self) -> None:
        self.bin = server_binaries()
        self.owner = _owner()
        # /tmp itself, not pytest's tmp_path: as root, the postgres user must be able to
        # reach the directory, and pytest's base directory is private to root.
        self.root = Path(tempfile.mkdtemp(prefix="pykis-pg-"))
        self.data, self.socket = self.root / "data", self.root
        self._count = 0
        if self.owner is not None:
            os.chown(self.root, self.owner.pw_uid, self.owner.pw_gid)

    def start(self) -> Cluster:
        # fsync off: a test cluster is thrown away, durability would only cost time.
        options = (f"-p {PORT} -k {self.socket} -c listen_addresses='' -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off")
        try:
            self._run("initdb", "-D", str(self.data), "-U", USER, "--auth=trust",
                      "--encoding=UTF8", "--locale=C")
            self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"),
                      "-o", options, "-w", "-t", "60", "start")
        except BaseException:
            shutil.rmtree(self.root, ignore_errors=True)
            raise
        return self

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{USER}@/{database}?host={self.socket}&port={PORT}"

    def create_database(self) -> str:
        import psycopg

        self._count += 1
        name = f"test_{self._count}"
        with psycopg.connect(host=str(self.socket), port=PORT, user=USER, dbname="postgres",
                             autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bin / program), *args]
        if self.owner is not None:
            command = ["runuser", "-u", self.owner.pw_name, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0:
            log = self.root / "server.log"
            tail = log.read_text()[-2000:] if log.exists() else ""
            raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n"
                               f"{done.stdout}{done.stderr}{tail}")


def _owner() -> pwd.struct_passwd | None:
    """The user to run the server as: None (ourselves) unless we are root."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        raise PostgresUnavailable("running as root, and there is no 'postgres' user to run "
                                  "initdb as (Debian's postgresql package creates it)") from None
