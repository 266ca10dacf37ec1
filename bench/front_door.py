"""Samverkan behind its front door, as deployed: Debian's nginx with a self-signed certificate
running the configuration of scripts/nginx_conf.py in front of N real Streamlit servers, every
port a free one on 127.0.0.1. For tests (tests/test_front_door.py) and load measurements:

    with front_door(env, work, servers=2) as door:
        door.url            # https://localhost:PORT (the certificate is for localhost)
        door.servers        # the Streamlit servers' own http://127.0.0.1:PORT, unproxied
        door.http_url       # the plain-HTTP port, which only redirects

nginx needs to be installed (./scripts/test.sh installs Debian's package).
"""

from __future__ import annotations

import contextlib
import datetime
import os
import shutil
import subprocess
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


@dataclass(frozen=True)
class FrontDoor:
    url: str
    http_url: str
    servers: list[str]
    config: str  # the generated configuration, as DEPLOY.md shows it
    certificate: Path
    error_log: Path


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
    access_log {folder / 'access.log'};
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
def front_door(env: dict[str, str], work: Path, servers: int = 1,
               extra_args: tuple[str, ...] | list[str] = ()) -> Iterator[FrontDoor]:
    """``servers`` Streamlit servers on ``env`` (bench.load.streamlit_server) behind nginx; all
    stopped on exit. ``work`` holds the servers' logs; nginx's files live in a folder of their own
    that its unprivileged worker processes can read."""
    folder = Path(tempfile.mkdtemp(prefix="samverkan-nginx-"))
    folder.chmod(0o755)
    try:
        with contextlib.ExitStack() as stack:
            urls = [stack.enter_context(load.streamlit_server(env, work / f"server-{i}.log",
                                                              extra_args=extra_args))[1] for i in range(servers)]
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
            stack.callback(_stop, proc)
            url = f"https://localhost:{https_port}"
            _wait_for(url, proc, folder / "error.log")
            yield FrontDoor(url, f"http://127.0.0.1:{http_port}", urls, config, crt, folder / "error.log")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()  # SIGTERM: nginx's fast shutdown
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=15)


if __name__ == "__main__":  # a manual look: the demo behind nginx until Ctrl-C
    import sys

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    with tempfile.TemporaryDirectory() as tmp, front_door(dict(os.environ), Path(tmp), servers=n) as door:
        print(f"{door.url} -> {', '.join(door.servers)} (Ctrl-C stops)")
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                time.sleep(1)
