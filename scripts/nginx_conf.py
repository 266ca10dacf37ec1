"""Write Samverkan's nginx configuration from scripts/nginx.conf.template (DEPLOY.md, section 3).

    python scripts/nginx_conf.py --server-name samverkan.kommun.se \\
        --certificate /etc/ssl/samverkan.crt --certificate-key /etc/ssl/samverkan.key \\
        --upstream 127.0.0.1:8501 [--upstream 127.0.0.1:8502 ...] > /etc/nginx/conf.d/samverkan.conf

One template for one Streamlit server and for several (each browser sticks to one by a cookie);
the tests run its output in front of real servers (tests/test_front_door.py, bench/front_door.py).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent / "nginx.conf.template"


def render(server_name: str, certificate: str, certificate_key: str, upstreams: list[str],
           https_listen: str = "443", http_listen: str = "80") -> str:
    """The configuration for these values: every ``{{name}}`` of the template filled in.

    ``https_listen``/``http_listen`` are what nginx's ``listen`` takes ('443', '127.0.0.1:8443').
    """
    if not upstreams:
        raise ValueError("at least one upstream server (host:port)")
    port = https_listen.rsplit(":", 1)[-1]
    values = {
        "count": str(len(upstreams)), "server_name": server_name, "certificate": certificate,
        "certificate_key": certificate_key, "https_listen": https_listen, "http_listen": http_listen,
        "https_port_suffix": "" if port == "443" else f":{port}",
        "servers": "\n".join(f"    server {u};" for u in upstreams),
    }
    text = TEMPLATE.read_text(encoding="utf-8")
    for name, value in values.items():
        text = text.replace("{{" + name + "}}", value)
    if "{{" in text:
        raise ValueError(f"unfilled placeholder in {TEMPLATE}: {text[text.index('{{'):].split()[0]}")
    return text


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--server-name", required=True, help="the public host name, e.g. samverkan.kommun.se")
    p.add_argument("--certificate", required=True, help="TLS certificate (chain), PEM")
    p.add_argument("--certificate-key", required=True, help="its private key, PEM")
    p.add_argument("--upstream", action="append", required=True, help="a Streamlit server, host:port (repeat for several)")
    p.add_argument("--https-listen", default="443")
    p.add_argument("--http-listen", default="80")
    a = p.parse_args(argv)
    sys.stdout.write(render(a.server_name, a.certificate, a.certificate_key, a.upstream, a.https_listen, a.http_listen))
    return 0


if __name__ == "__main__":
    sys.exit(main())
