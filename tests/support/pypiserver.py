"""A real private index for publish tests: pypiserver on 127.0.0.1 with an htpasswd file.

``PypiServer(root, users={"alice": "s3cret"})`` starts ``python -m pypiserver run`` on a free
loopback port, uploads protected (``-a update``), and waits until it answers; ``url`` is the upload
URL (``http://127.0.0.1:PORT/``), ``simple_url`` the PEP 503 index. Stopped by ``stop()`` or at the
end of a ``with`` block (the process is ended by its pid only).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PypiServer:
    def __init__(self, root: Path, users: dict[str, str]) -> None:
        import warnings

        with warnings.catch_warnings():  # passlib imports the deprecated `crypt` module
            warnings.simplefilter("ignore", DeprecationWarning)
            from passlib.apache import HtpasswdFile

        self.root = Path(root)
        self.packages = self.root / "packages"
        self.packages.mkdir(parents=True, exist_ok=True)
        htpasswd = HtpasswdFile(str(self.root / "htpasswd"), new=True)
        for user, password in users.items():
            htpasswd.set_password(user, password)
        htpasswd.save()
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def simple_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/simple/"

    def start(self) -> PypiServer:
        for _attempt in range(3):
            self.port = _free_port()
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "pypiserver",
                    "run",
                    "-p",
                    str(self.port),
                    "-i",
                    "127.0.0.1",
                    "-P",
                    str(self.root / "htpasswd"),
                    "-a",
                    "update",
                    "--server",
                    "wsgiref",
                    str(self.packages),
                ],
                stdout=subprocess.DEVNULL,
                stderr=(self.root / "server.log").open("ab"),
            )
            if self._wait_ready():
                return self
            self.stop()
        raise RuntimeError(f"pypiserver did not start: {(self.root / 'server.log').read_text()}")

    def _wait_ready(self, timeout: float = 15.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(self.simple_url, timeout=1) as response:
                    if response.status == 200:
                        return True
            except OSError:
                time.sleep(0.05)
        return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def simple_page(self, project: str) -> str:
        with urllib.request.urlopen(f"{self.simple_url}{project}/", timeout=5) as response:
            return response.read().decode()

    def __enter__(self) -> PypiServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
