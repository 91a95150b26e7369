"""What every drill shares: the servers under test (the Procfile's gunicorn line on loopback), the
scratch database and environment they run on, and the percentile they are judged by.

Used by bench/load.py, saturate.py, costs.py, drill.py and surge.py; it imports none of them.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import requests
from sqlalchemy import select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from menu_step import drop_postgres, scratch_postgres  # noqa: E402

from db.migrate import upgrade  # noqa: E402
from db.models import PREPAID, Customer  # noqa: E402
from db.seed import seed_demo  # noqa: E402
from db.session import Database  # noqa: E402

TOKEN = "load-drill-token"
HOST = "127.0.0.1"
P99_TARGET = 0.2
BASELINE, SERVICE = "baseline_app:create_app()", "ivr:create_app()"


def procfile_web_command(app: str, port: int, workers: int, threads: int, checkout: Path = ROOT) -> list[str]:
    """The Procfile's `web:` line as run in production, bound to loopback and serving `app`."""
    line = next(line for line in (checkout / "Procfile").read_text().splitlines() if line.startswith("web:"))
    env = {"PORT": str(port), "WEB_CONCURRENCY": str(workers), "GUNICORN_THREADS": str(threads)}
    words = [re.sub(r"\$\{(\w+):-[^}]*\}", lambda m: env[m.group(1)], word) for word in shlex.split(line[4:])]
    words[words.index("--bind") + 1] = f"{HOST}:{port}"
    words[-1] = app
    return [str(ROOT / ".venv" / "bin" / words[0]), *words[1:]]


def port_is_free(port: int) -> None:
    """Refuse a port something already listens on: a server left over from an interrupted run would
    answer in place of the one started here, and be measured without being counted."""
    with socket.socket() as probe:
        if probe.connect_ex((HOST, port)) == 0:
            raise SystemExit(f"{HOST}:{port} is already in use (a server left from an earlier run?); stop it "
                             "or pass --port")  # fmt: skip


@contextmanager
def gunicorn(
    app: str,
    port: int,
    env: dict[str, str],
    workers: int,
    threads: int,
    profile: Path | None = None,
    checkout: Path = ROOT,
) -> Iterator[str]:
    """The Procfile's web command on loopback; stopped (TERM, then KILL) on the way out.

    With `profile`, py-spy samples every worker (non-idle threads) and writes collapsed stacks there.
    `checkout` serves another copy of the code (its Procfile too) with this one's virtualenv.
    """
    port_is_free(port)
    if threading.current_thread() is threading.main_thread():
        # A SIGTERM (timeout, kill) unwinds through `finally` below, so the server's session goes with us.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    command = procfile_web_command(app, port, workers, threads, checkout)
    if profile is not None:
        spy = [str(ROOT / ".venv" / "bin" / "py-spy"), "record", "--subprocesses", "--format", "raw"]
        command = [*spy, "--rate", "250", "--output", str(profile), "--", *command]
    log_path = ROOT / "var" / f"load-{port}.log"  # the server's own log, kept out of the report
    log_path.parent.mkdir(exist_ok=True)
    log_file = log_path.open("w")
    base = f"http://{HOST}:{port}"
    env = {"PUBLIC_BASE_URL": base, **env}  # the URL the drill's callers sign, as Twilio signs the public one
    process = subprocess.Popen(
        command, cwd=checkout, env={**os.environ, **env}, stdout=log_file, stderr=log_file, start_new_session=True
    )
    try:
        for _ in range(100):
            try:
                requests.get(base + "/healthz", timeout=1)
                break
            except requests.RequestException:
                time.sleep(0.2)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGINT if profile is not None else signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        log_file.close()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def demo_postpaid(database_url: str) -> list[str]:
    """50 postpaid demo customers whose reading window is open today, so their readings are stored.

    On a day no demo window covers (the demo's windows are the 22nd-27th), the scratch database's
    first 50 get a window around today (a day either side, for the regions' clocks).
    """
    database = Database(database_url)
    day = date.today().day
    with database.session() as session:
        query = select(Customer).where(Customer.payment_type != PREPAID).order_by(Customer.id).limit(50)
        open_today = query.where(Customer.reading_window_start_day <= day, Customer.reading_window_end_day >= day)
        customers = list(session.scalars(open_today)) or list(session.scalars(query))
        for customer in customers:
            customer.reading_window_start_day = min(customer.reading_window_start_day, max(1, day - 1))
            customer.reading_window_end_day = max(customer.reading_window_end_day, min(31, day + 1))
        ids = [customer.idpel for customer in customers]
    database.dispose()
    return ids


def server_options(parser: argparse.ArgumentParser, port: int, redis: bool = True) -> None:
    """The options every drill shares: gunicorn's settings (as the Procfile reads them) and where the stores are."""
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (Procfile: WEB_CONCURRENCY)")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads (Procfile: GUNICORN_THREADS)")
    parser.add_argument("--port", type=int, default=port, help="gunicorn's port; its log is var/load-<port>.log")
    parser.add_argument("--pg-admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    if redis:
        parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")


def service_env(database_url: str, redis_url: str, **extra: str) -> dict[str, str]:
    """The service's environment as production sets it, on the scratch database and a fresh namespace."""
    return {
        "IVR_ENV": "production",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "REDIS_NAMESPACE": f"ivr-load-{uuid.uuid4().hex[:8]}",
        "TWILIO_AUTH_TOKEN": TOKEN,
        "SECRET_KEY": "load-drill",
        "METRICS_TOKEN": "load-drill",
        **extra,
    }


@contextmanager
def demo_database(pg_admin_url: str) -> Iterator[str]:
    """A scratch PostgreSQL database, migrated and seeded with the demo (200 customers); dropped after."""
    database_url, scratch = scratch_postgres(pg_admin_url)
    try:
        database = Database(database_url)
        upgrade(database.engine)
        with database.session() as session:
            seed_demo(session, today=date.today(), customers=200)
        database.dispose()
        yield database_url
    finally:
        drop_postgres(pg_admin_url, scratch)
