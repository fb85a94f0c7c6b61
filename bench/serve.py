"""gunicorn on loopback and wrk against it: shared by the station finder's and the dashboard's rows.

``gunicorn()`` serves bench/wsgi.py (the project's URLs plus the floors, DEBUG off in the
worker as in bench/main.py) on a free loopback port; ``wrk()`` is one wrk run, and
``wrk_pair()`` runs an endpoint and its floor in turn, so both see the same machine. Errors
(non-2xx/3xx answers, socket errors, time-outs after 10 s) are counted, never raised: a row with
any misses its target.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def gunicorn(url: str, workers: int, env: dict[str, str] | None = None) -> Iterator[str]:
    """The app (bench/wsgi.py: the project's URLs plus the floors) under gunicorn on a loopback port."""
    from .stations import BENCH_PUBLIC_RATE  # the one place the bench's public rate is named

    port = free_port()
    server_env = {**os.environ, "BENCH_DATABASE_URL": url, "PUBLIC_RATE": BENCH_PUBLIC_RATE, **(env or {})}
    binary = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [str(binary), "bench.wsgi:application", "--preload", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
         "--log-level", "warning"],
        cwd=ROOT, env=server_env, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            if server.poll() is not None:
                raise SystemExit(f"bench: gunicorn exited with {server.returncode}")
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2).read()
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise SystemExit("bench: gunicorn did not answer /healthz in 60 s")
        yield base
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


class WrkRun(NamedTuple):
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int  # non-2xx/3xx answers, and connect, read, write errors and time-outs (10 s)


def wrk(url: str, seconds: int, connections: int, headers: dict[str, str] | None = None) -> WrkRun:
    """One wrk run: requests per second, the 50th and 99th percentile latency in ms, and the errors it saw."""
    extra = [arg for key, value in (headers or {}).items() for arg in ("-H", f"{key}: {value}")]
    done = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency", *extra, url],
        capture_output=True, text=True, check=True, timeout=seconds + 30,
    )  # fmt: skip
    out = done.stdout
    errors = 0
    if found := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        errors += int(found.group(1))
    if found := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        errors += sum(int(n) for n in found.groups())
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]

    def latency(percent: str) -> float:
        value, unit = re.search(rf"\s{percent}%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    return WrkRun(rps, latency("50"), latency("99"), errors)


def wrk_pair(
    endpoint: str, floor: str, seconds: int, connections: int, rounds: int = 2, headers: dict[str, str] | None = None
) -> dict[str, list[WrkRun]]:
    """Both warmed, then endpoint and floor in turn ``rounds`` times: {url: [run, …]}."""
    for target in (endpoint, floor):
        wrk(target, 2, connections, headers)
    runs: dict[str, list[WrkRun]] = {endpoint: [], floor: []}
    for _ in range(rounds):
        for target in (endpoint, floor):
            runs[target].append(wrk(target, seconds, connections, headers))
    return runs


def mean_rps(runs: list[WrkRun]) -> float:
    return statistics.mean(r.rps for r in runs)


def errors(runs: list[WrkRun]) -> int:
    return sum(r.errors for r in runs)


def ensure_wrk() -> None:
    """Install wrk from Debian's packages when missing, as scripts/bootstrap.sh installs its packages."""
    if shutil.which("wrk"):
        return
    command = "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends wrk"
    if os.geteuid() == 0:
        print("bench: installing wrk (Debian package)")
        subprocess.run(["bash", "-c", command], check=False, stdout=subprocess.DEVNULL)
    elif subprocess.run(["sudo", "-n", "true"], capture_output=True, check=False).returncode == 0:
        print("bench: installing wrk with sudo (Debian package)")
        subprocess.run(["sudo", "bash", "-c", command], check=False, stdout=subprocess.DEVNULL)
    else:
        print(f"bench: wrk is missing and cannot be installed here; as root: {command}")
