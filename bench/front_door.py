"""Samverkan behind its front door, as deployed: Debian's nginx with a self-signed certificate
running the configuration of scripts/nginx_conf.py in front of N real Streamlit servers started by
scripts/serve_many.py, every port a free one on 127.0.0.1. For tests (tests/test_front_door.py,
tests/test_processes.py) and load measurements (bench/capacity.py):

    with front_door(env, work, servers=2) as door:
        door.url            # https://localhost:PORT (the certificate is for localhost)
        door.servers        # the Streamlit servers' own http://127.0.0.1:PORT, unproxied
        door.http_url       # the plain-HTTP port, which only redirects
        door.pids           # the servers' process ids, in the order of door.servers

nginx needs to be installed (./scripts/test.sh installs Debian's package).
"""

from __future__ import annotations

import contextlib
import datetime
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench import load
from scripts import nginx_conf

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
ROOT = Path(__file__).resolve().parents[1]
# what the test harness's nginx logs for every request: which server answered, for which cookie
LOG_FORMAT = '$upstream_addr $cookie_samverkan_node $status "$request"'


@dataclass(frozen=True)
class FrontDoor:
    url: str
    http_url: str
    servers: list[str]
    config: str  # the generated configuration, as DEPLOY.md shows it
    certificate: Path
    error_log: Path
    access_log: Path  # one line per request: LOG_FORMAT
    supervisor: subprocess.Popen  # scripts/serve_many.py
    nginx: subprocess.Popen

    @property
    def pids(self) -> list[int]:
        """The Streamlit processes now serving, in the order of ``servers`` (a restarted one has
        a new id)."""
        by_port = {}
        for pid in _children(self.supervisor.pid):
            with contextlib.suppress(OSError):
                args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
                by_port[args[args.index(b"--server.port") + 1].decode()] = pid
        return [by_port[u.rsplit(":", 1)[1]] for u in self.servers if u.rsplit(":", 1)[1] in by_port]

    @property
    def nginx_pids(self) -> list[int]:
        return [self.nginx.pid, *_children(self.nginx.pid)]

    def upstreams_of(self, cookie: str) -> list[str]:
        """Every server (host:port) that answered a request carrying ``samverkan_node=cookie``."""
        lines = self.access_log.read_text().splitlines() if self.access_log.exists() else []
        return [line.split()[0] for line in lines if line.split()[1:2] == [cookie]]


def _children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(stat.parent.name))
    return out


def self_signed(folder: Path, host: str = "localhost") -> tuple[Path, Path]:
    """A throwaway certificate and key for ``host`` (and 127.0.0.1), valid for a day."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(host),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    crt, pem = folder / "samverkan.crt", folder / "samverkan.key"
    crt.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pem.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
    pem.chmod(0o600)
    return crt, pem


def _main_config(folder: Path, site: Path) -> str:
    """nginx.conf around the site: everything nginx writes kept in ``folder`` (no system paths)."""
    temp = {name: folder / "tmp" / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for path in temp.values():
        path.mkdir(parents=True, exist_ok=True)
        path.chmod(0o777)  # the worker processes run as an unprivileged user when nginx starts as root
    return f"""daemon off;
worker_processes 1;
pid {folder / 'nginx.pid'};
error_log {folder / 'error.log'} warn;
events {{ worker_connections 512; }}
http {{
    log_format samverkan '{LOG_FORMAT}';
    access_log {folder / 'access.log'} samverkan;
    client_body_temp_path {temp['body']};
    proxy_temp_path {temp['proxy']};
    fastcgi_temp_path {temp['fastcgi']};
    uwsgi_temp_path {temp['uwsgi']};
    scgi_temp_path {temp['scgi']};
    include {site};
}}
"""


def _wait_for(url: str, proc: subprocess.Popen, log: Path, timeout: float = 30) -> None:
    import ssl

    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError("nginx did not start:\n" + (log.read_text() if log.exists() else ""))
        try:
            urllib.request.urlopen(url + "/_stcore/health", timeout=2, context=ctx)
            return
        except urllib.error.HTTPError:
            return  # nginx answers (the upstream may still be starting: the caller checks)
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError("nginx did not answer:\n" + (log.read_text() if log.exists() else "")) from None
            time.sleep(0.2)


@contextlib.contextmanager
def serve_many(env: dict[str, str], log_path: Path, servers: int, start_timeout: float = 180,
               launcher: str | None = None, extra_args: tuple[str, ...] | list[str] = ()
               ) -> Iterator[tuple[subprocess.Popen, list[str]]]:
    """``servers`` Streamlit processes on free loopback ports, started by scripts/serve_many.py as
    a deployment would; (the supervisor, the servers' URLs). ``launcher``: another script than
    scripts/serve.py for each process (bench/profiled_serve.py)."""
    ports = [load.free_port() for _ in range(servers)]
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "scripts" / "serve_many.py"), "--ports", ",".join(map(str, ports)),
             *(["--script", str(ROOT / launcher)] if launcher else []), "--", "--server.headless", "true",
             *extra_args], cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT)
    urls = [f"http://127.0.0.1:{p}" for p in ports]
    try:
        load.wait_healthy(urls, proc, log_path, start_timeout)
        yield proc, urls
    finally:
        load.stop_process(proc, timeout=30)


@contextlib.contextmanager
def front_door(env: dict[str, str], work: Path, servers: int = 1,
               extra_args: tuple[str, ...] | list[str] = (), launcher: str | None = None) -> Iterator[FrontDoor]:
    """``servers`` Streamlit servers on ``env`` (``serve_many``) behind nginx; all stopped on exit.
    ``work`` holds the servers' log; nginx's files live in a folder of their own that its
    unprivileged worker processes can read."""
    folder = Path(tempfile.mkdtemp(prefix="samverkan-nginx-"))
    folder.chmod(0o755)
    work.mkdir(parents=True, exist_ok=True)
    try:
        with contextlib.ExitStack() as stack:
            supervisor, urls = stack.enter_context(serve_many(env, work / "servers.log", servers,
                                                              launcher=launcher, extra_args=extra_args))
            crt, key = self_signed(folder)
            https_port, http_port = load.free_port(), load.free_port()
            config = nginx_conf.render("localhost", str(crt), str(key), [u.removeprefix("http://") for u in urls],
                                       https_listen=f"127.0.0.1:{https_port}", http_listen=f"127.0.0.1:{http_port}")
            site = folder / "samverkan.conf"
            site.write_text(config, encoding="utf-8")
            main = folder / "nginx.conf"
            main.write_text(_main_config(folder, site), encoding="utf-8")
            check = subprocess.run([NGINX, "-t", "-p", str(folder), "-c", str(main), "-e", str(folder / "error.log")],
                                   capture_output=True, text=True)
            if check.returncode != 0:
                raise RuntimeError("nginx -t refused the configuration:\n" + check.stderr)
            proc = subprocess.Popen([NGINX, "-p", str(folder), "-c", str(main), "-e", str(folder / "error.log")],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            stack.callback(load.stop_process, proc)
            url = f"https://localhost:{https_port}"
            _wait_for(url, proc, folder / "error.log")
            yield FrontDoor(url, f"http://127.0.0.1:{http_port}", urls, config, crt, folder / "error.log",
                            folder / "access.log", supervisor, proc)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":  # a manual look: the demo behind nginx until Ctrl-C
    import sys

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    with tempfile.TemporaryDirectory() as tmp, front_door(dict(os.environ), Path(tmp), servers=n) as door:
        print(f"{door.url} -> {', '.join(door.servers)} (Ctrl-C stops)")
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                time.sleep(1)
