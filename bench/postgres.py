"""A real, throwaway PostgreSQL server for the tests (tests/conftest.py) and the benchmarks
(bench/capacity.py): Debian's postgresql package, installed by ./scripts/test.sh."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path


class PgMissing(RuntimeError):
    """Debian's PostgreSQL binaries are not installed."""


def _pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    return found[-1].parent if found else None


class PgCluster:
    """A real, throwaway PostgreSQL cluster from Debian's postgresql package (installed by the
    README's test command), on a free loopback port, that a test can stop and start again. As
    root, the server runs as the 'postgres' user (initdb refuses root)."""

    def __init__(self):
        import pwd
        import shutil
        import socket
        import subprocess
        import tempfile

        bin_dir = _pg_bin()
        if bin_dir is None:
            raise PgMissing("PostgreSQL saknas: ./scripts/test.sh installerar Debians postgresql-paket.")
        self.bin = bin_dir
        # not under pytest's temporary folder: it is private to root, and the server runs as postgres
        self.base = Path(tempfile.mkdtemp(prefix="samverkan-pg-"))
        self.data = self.base / "data"
        self.data.mkdir()
        self.run_as: list[str] = []
        if os.geteuid() == 0:
            self.run_as = ["runuser", "-u", "postgres", "--"]
            pg = pwd.getpwnam("postgres")
            for path in (self.data.parent, self.data):
                os.chown(path, pg.pw_uid, pg.pw_gid)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        subprocess.run([*self.run_as, str(bin_dir / "initdb"), "-D", str(self.data), "-A", "trust", "-U",
                        "samverkan", "--encoding", "UTF8", "--locale", "C.UTF-8"], check=True, capture_output=True)
        self.log = self.base / "server.log"
        if self.run_as:
            self.log.touch()
            shutil.chown(self.log, "postgres", "postgres")
        self.url = f"postgresql+psycopg://samverkan@127.0.0.1:{self.port}"

    def _ctl(self, *args: str, check: bool = True) -> None:
        import subprocess

        subprocess.run([*self.run_as, str(self.bin / "pg_ctl"), "-D", str(self.data), *args],
                       check=check, capture_output=True)

    def start(self) -> None:
        self._ctl("-l", str(self.log), "-w", "-o",
                  f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off", "start")

    def stop(self, mode: str = "fast") -> None:
        self._ctl("-m", mode, "-w", "stop", check=False)

    def database(self) -> str:
        """A new, empty database on the cluster; its SQLAlchemy URL."""
        import uuid

        import sqlalchemy

        name = "t_" + uuid.uuid4().hex[:12]
        admin = sqlalchemy.create_engine(f"{self.url}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as con:
            con.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        return f"{self.url}/{name}"

    def remove(self) -> None:
        import shutil

        self.stop("immediate")
        shutil.rmtree(self.base, ignore_errors=True)

    @classmethod
    @contextlib.contextmanager
    def running(cls) -> Iterator[PgCluster]:
        """A started cluster, removed on exit."""
        cluster = cls()
        try:
            cluster.start()
            yield cluster
        finally:
            cluster.remove()
