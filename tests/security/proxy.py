"""Runs Debian's nginx with the shipped deploy/nginx configuration in front of a test stack.

The files under deploy/nginx are used as they are; only the http block that a
site would write (listen port, upstream addresses, paths nginx writes to) is
generated here, so what the tests attack is what production ships.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy" / "nginx"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def available() -> bool:
    return Path(NGINX).exists()


def config(workdir: Path, listen: int, rasa: str, web: str) -> str:
    user = "user root root;" if os.geteuid() == 0 else ""
    temp = "\n".join(f"    {name}_temp_path {workdir / name};" for name in
                     ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return f"""{user}
worker_processes 1;
pid {workdir / 'nginx.pid'};
error_log {workdir / 'error.log'} warn;
events {{ worker_connections 256; }}
http {{
{temp}
    include {DEPLOY / 'zones.conf'};
    upstream collections_rasa {{ server {rasa}; }}
    upstream collections_web {{ server {web}; }}
    server {{
        listen 127.0.0.1:{listen};
        access_log {workdir / 'access.log'} collections;
        include {DEPLOY / 'public-surface.conf'};
    }}
}}
"""


class Proxy:
    def __init__(self, workdir: Path, listen: int, rasa_url: str, web_url: str):
        self.workdir, self.url = workdir, f"http://127.0.0.1:{listen}"
        workdir.mkdir(parents=True, exist_ok=True)
        self.conf = workdir / "nginx.conf"
        strip = lambda url: url.split("://", 1)[1].rstrip("/")  # noqa: E731
        self.conf.write_text(config(workdir, listen, strip(rasa_url), strip(web_url)))
        self.process: subprocess.Popen | None = None

    def start(self) -> "Proxy":
        check = subprocess.run([NGINX, "-t", "-c", str(self.conf)], capture_output=True, text=True)
        if check.returncode != 0:
            raise RuntimeError(f"nginx rejected the shipped configuration:\n{check.stderr}")
        self.process = subprocess.Popen([NGINX, "-c", str(self.conf), "-g", "daemon off;"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}/healthz", timeout=2)
                return self
            except urllib.error.HTTPError:
                return self
            except OSError:
                time.sleep(0.2)
        raise TimeoutError("nginx did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
