"""How long one menu step takes (by phone and by WhatsApp), against a trivial Flask endpoint
measured in the same process.

Each simulated call is signed and posted exactly as Twilio would (incoming, then key presses),
through the Flask test client, so the figure covers signature check, state load/save, engine,
TwiML rendering and the call-event write, but not the network. Each simulated WhatsApp
conversation sends the same choices as messages (MessageSid dedupe, rate limit, turn claim,
text rendering and the message event on top). Run by hand, not in CI:

    .venv/bin/python bench/menu_step.py                      # embedded: SQLite file + in-process state
    .venv/bin/python bench/menu_step.py --postgres           # a scratch PostgreSQL database + Redis
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask, Response
from sqlalchemy import create_engine, text
from twilio.request_validator import RequestValidator

from db.migrate import upgrade
from db.seed import DEMO_DIALED_NUMBERS, seed_demo
from db.session import Database
from ivr import create_app
from ivr.extensions import runtime

TOKEN = "bench-token"
BASE = "http://localhost"
KEYS = ["3", "*", "9", "5", "8", "*"]  # unbuilt option, repeat, language, unbuilt, invalid, repeat
CONSTANT_TWIML = (
    '<?xml version="1.0" encoding="UTF-8"?><Response><Gather action="/x"><Say>Halo</Say></Gather></Response>'
)


def _post(client, validator: RequestValidator, path: str, params: dict[str, str]) -> tuple[float, str]:
    url = BASE + path
    started = time.perf_counter()
    response = client.post(url, data=params, headers={"X-Twilio-Signature": validator.compute_signature(url, params)})
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.status_code
    return elapsed, response.get_data(as_text=True)


def _action(body: str) -> str:
    start = body.index('action="') + len('action="')
    return body[start : body.index('"', start)].replace("&amp;", "&")


def measure_ivr(app: Flask, calls: int) -> list[float]:
    client, validator = app.test_client(), RequestValidator(TOKEN)
    steps: list[float] = []
    for _ in range(calls):
        base = {"CallSid": "CA" + uuid.uuid4().hex, "From": "+62215551234", "To": DEMO_DIALED_NUMBERS["BEKASI"]}
        _, body = _post(client, validator, "/voice/incoming", base)
        for key in KEYS:
            elapsed, body = _post(client, validator, _action(body), {**base, "Digits": key})
            steps.append(elapsed)
        _post(client, validator, "/voice/status", {**base, "CallStatus": "completed", "CallDuration": "30"})
    return steps


def measure_messages(app: Flask, conversations: int) -> list[float]:
    """The same choices as `measure_ivr`, typed over WhatsApp, each sender its own conversation."""
    client, validator = app.test_client(), RequestValidator(TOKEN)
    turns: list[float] = []
    for number in range(conversations):
        sender = {"From": f"whatsapp:+62812{number:08d}", "To": "whatsapp:+6281100000123", "NumMedia": "0"}
        for index, body in enumerate(["Halo", *KEYS]):
            params = {**sender, "MessageSid": "SM" + uuid.uuid4().hex, "Body": body}
            elapsed, _ = _post(client, validator, "/messaging/incoming", params)
            if index:  # the greeting opens the conversation, like /voice/incoming: not a step
                turns.append(elapsed)
    return turns


def measure_baseline(requests: int) -> list[float]:
    app = Flask("baseline")

    @app.post("/constant")
    def constant() -> Response:
        return Response(CONSTANT_TWIML, mimetype="text/xml")

    client, validator = app.test_client(), RequestValidator(TOKEN)
    params = {"CallSid": "CA" + "0" * 32, "Digits": "1"}
    return [_post(client, validator, "/constant", params)[0] for _ in range(requests)]


def scratch_postgres(admin_url: str) -> tuple[str, str]:
    name = f"ivr_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return admin_url.rsplit("/", 1)[0] + "/" + name, name


def drop_postgres(admin_url: str, name: str) -> None:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=60, help="simulated calls (6 menu steps each)")
    parser.add_argument("--postgres", action="store_true", help="use a scratch PostgreSQL database and Redis")
    parser.add_argument("--pg-admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()

    scratch = None
    with tempfile.TemporaryDirectory() as tmp:
        if args.postgres:
            database_url, scratch = scratch_postgres(args.pg_admin_url)
            redis_url: str | None = args.redis_url
        else:
            database_url, redis_url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", None
        try:
            database = Database(database_url)
            upgrade(database.engine)
            with database.session() as session:
                seed_demo(session, today=date.today(), customers=50)
            database.dispose()
            app = create_app(
                {
                    "env": "test",
                    "database_url": database_url,
                    "redis_url": redis_url,
                    "redis_namespace": f"ivr-bench-{uuid.uuid4().hex[:8]}",
                    "twilio_auth_token": TOKEN,
                }
            )
            measure_ivr(app, 5)  # warm-up: imports, connection pool, region snapshot
            measure_messages(app, 5)
            measure_baseline(50)
            steps = measure_ivr(app, args.calls)
            turns = measure_messages(app, args.calls)
            baseline = measure_baseline(len(steps))
            runtime(app).database.dispose()
        finally:
            if scratch:
                drop_postgres(args.pg_admin_url, scratch)

    ivr_median, base_median = statistics.median(steps), statistics.median(baseline)
    p95 = statistics.quantiles(steps, n=20)[-1]
    backend = "PostgreSQL + Redis" if args.postgres else "SQLite + in-process state"
    print(f"backend: {backend}; {len(steps)} menu steps over {args.calls} calls")
    print(f"menu step   median {ivr_median * 1000:7.2f} ms   p95 {p95 * 1000:7.2f} ms")
    print(f"baseline    median {base_median * 1000:7.2f} ms   (constant TwiML, same process, unvalidated)")
    print(f"ratio       {ivr_median / base_median:7.1f} x baseline (median)")
    turn_median, turn_p95 = statistics.median(turns), statistics.quantiles(turns, n=20)[-1]
    print(f"WhatsApp    median {turn_median * 1000:7.2f} ms   p95 {turn_p95 * 1000:7.2f} ms   ({len(turns)} messages)")
    ratios = f"{turn_median / ivr_median:.2f} x a menu step, {turn_median / base_median:.1f} x baseline"
    print(f"ratio       {ratios} (medians)")


if __name__ == "__main__":
    main()
