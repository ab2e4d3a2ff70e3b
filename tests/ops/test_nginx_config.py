"""deploy/nginx passes ``nginx -t`` (Debian's nginx, installed by .ci/run), and behaves as
documented when served for real on loopback: the request id reaches the app, the metrics paths
are refused outside the monitoring network, plain HTTP is sent to HTTPS.

The files are tested as shipped except for what only exists on a server: the snippet's include
path, the certificate (a throw-away self-signed one), the listening ports (free loopback ports)
and, for the live check, the upstream (a small local HTTP server standing in for gunicorn)."""

from __future__ import annotations

import http.client
import json
import re
import shutil
import socket
import ssl
import subprocess
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy" / "nginx"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _certificate(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "tongxin.example.cn")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=2)).sign(key, hashes.SHA256()))
    crt, pem = directory / "fullchain.pem", directory / "privkey.pem"
    crt.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pem.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
    return crt, pem


def _prepare(tmp: Path, *, http_port: int = 80, https_port: int = 443, upstream: str | None = None) -> Path:
    """The shipped site file and snippet under a temporary prefix; returns the main config."""
    assert Path(NGINX).exists(), "nginx is not installed (.ci/run installs Debian's nginx)"
    crt, pem = _certificate(tmp)
    snippet = tmp / "tongxin-proxy.conf"
    shutil.copy(DEPLOY / "tongxin-proxy.conf", snippet)
    site = (DEPLOY / "tongxin.conf").read_text()
    replacements = {
        "/etc/nginx/snippets/tongxin-proxy.conf": str(snippet),
        "/etc/ssl/tongxin/fullchain.pem": str(crt),
        "/etc/ssl/tongxin/privkey.pem": str(pem),
    }
    for old, new in replacements.items():
        assert old in site, old
        site = site.replace(old, new)
    site = site.replace("listen 80;", f"listen 127.0.0.1:{http_port};")
    site = re.sub(r"listen 443 ssl( http2)?;", lambda m: f"listen 127.0.0.1:{https_port} ssl{m.group(1) or ''};", site)
    if upstream:
        site = re.sub(r"(upstream tongxin_web \{).*?(keepalive)", rf"\1\n    server {upstream};\n    \2", site, flags=re.S)
    (tmp / "tongxin.conf").write_text(site)
    for sub in ("logs", "temp"):
        (tmp / sub).mkdir(exist_ok=True)
    main = tmp / "nginx.conf"
    main.write_text(f"""
pid {tmp}/nginx.pid;
error_log {tmp}/logs/error.log warn;
worker_processes 1;
events {{ worker_connections 64; }}
http {{
    access_log {tmp}/logs/access.log;
    client_body_temp_path {tmp}/temp/body;
    proxy_temp_path {tmp}/temp/proxy;
    fastcgi_temp_path {tmp}/temp/fastcgi;
    uwsgi_temp_path {tmp}/temp/uwsgi;
    scgi_temp_path {tmp}/temp/scgi;
    include {tmp}/tongxin.conf;
}}
""")
    return main


def _nginx(tmp: Path, main: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([NGINX, "-p", str(tmp), "-c", str(main), "-e", "stderr", *args],
                          capture_output=True, text=True, timeout=60)


def test_the_shipped_config_passes_nginx_t(tmp_path):
    main = _prepare(tmp_path)
    out = _nginx(tmp_path, main, "-t")
    assert out.returncode == 0, out.stderr
    assert "syntax is ok" in out.stderr and "test is successful" in out.stderr
    assert "[warn]" not in out.stderr and "[emerg]" not in out.stderr, out.stderr


class _Upstream(BaseHTTPRequestHandler):
    """Stands in for gunicorn: echoes the path and the headers nginx sent."""

    def do_GET(self):
        body = json.dumps({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_the_config_serves_as_documented(tmp_path):
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), _Upstream)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    http_port, https_port = _free_port(), _free_port()
    main = _prepare(tmp_path, http_port=http_port, https_port=https_port,
                    upstream=f"127.0.0.1:{upstream.server_address[1]}")
    started = _nginx(tmp_path, main)
    assert started.returncode == 0, started.stderr
    pid = None
    try:
        for _ in range(50):
            if (tmp_path / "nginx.pid").exists() and (tmp_path / "nginx.pid").read_text().strip():
                pid = int((tmp_path / "nginx.pid").read_text())
                break
            time.sleep(0.1)
        assert pid, "nginx did not write its pid"
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE

        def get(path: str) -> tuple[int, bytes, dict]:
            conn = http.client.HTTPSConnection("127.0.0.1", https_port, context=context, timeout=20)
            conn.request("GET", path, headers={"Host": "tongxin.example.cn"})
            response = conn.getresponse()
            body = response.read()
            conn.close()
            return response.status, body, dict(response.getheaders())

        status, body, _ = get("/xf/")
        assert status == 200
        seen = json.loads(body)
        assert seen["path"] == "/xf/"
        assert re.fullmatch(r"[0-9a-f]{32}", seen["headers"]["x-request-id"])  # nginx's $request_id
        assert seen["headers"]["x-forwarded-proto"] == "https"
        assert seen["headers"]["host"] == "tongxin.example.cn"
        # Metrics only from the monitoring network (10.0.9.0/24): loopback is refused by nginx itself.
        for path in ("/metrics", "/ops/metrics"):
            assert get(path)[0] == 403, path
        plain = http.client.HTTPConnection("127.0.0.1", http_port, timeout=20)
        plain.request("GET", "/xf/?a=1", headers={"Host": "tongxin.example.cn"})
        redirect = plain.getresponse()
        assert redirect.status == 301 and redirect.getheader("Location") == "https://tongxin.example.cn/xf/?a=1"
        plain.close()
    finally:
        stop = _nginx(tmp_path, main, "-s", "quit")
        if pid:
            for _ in range(50):
                try:
                    Path(f"/proc/{pid}").stat()
                except FileNotFoundError:
                    break
                time.sleep(0.1)
        upstream.shutdown()
        upstream.server_close()
    assert stop.returncode == 0, stop.stderr
    assert not (tmp_path / "nginx.pid").exists()


@pytest.mark.parametrize("snippet", ["tongxin-proxy.conf"])
def test_the_snippet_passes_the_request_id_and_scheme(snippet):
    text = (DEPLOY / snippet).read_text()
    assert "proxy_set_header X-Request-ID $request_id;" in text
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in text
