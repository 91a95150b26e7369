"""What a hostile body costs a worker: a 9 MB url-encoded form of ~640,000 fields with a garbage
X-Twilio-Signature, posted over real HTTP to the app served in this process; reports the status,
the time to the answer and how much the process's peak RSS grew (the server's parsing: the body
is built before the baseline is read). Then a 199-field form, which the edge lets through to the
signature check. Run by hand, against this checkout or another (e.g. one from before the limits):

    .venv/bin/python bench/oversized.py
    .venv/bin/python bench/oversized.py --checkout /tmp/before
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

FORM = {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": "garbage"}


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkout", type=Path, default=Path(__file__).resolve().parent.parent)
    args = parser.parse_args()
    sys.path.insert(0, str(args.checkout))
    import requests
    from werkzeug.serving import make_server

    from db.migrate import upgrade
    from db.session import Database
    from ivr import create_app

    url = f"sqlite:///{tempfile.mkdtemp()}/oversized.sqlite3"
    database = Database(url)
    upgrade(database.engine)
    database.dispose()
    app = create_app({"env": "test", "database_url": url, "twilio_auth_token": "t", "secret_key": "k"})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    target = f"http://127.0.0.1:{server.server_port}/voice/incoming"
    try:
        body = b"&".join(b"f%d=%d" % (i, i) for i in range(1_000_000))[: 9 * 1024 * 1024]
        before, started = peak_rss_mb(), time.perf_counter()
        status = requests.post(target, data=body, headers=FORM, timeout=60).status_code
        elapsed, after = time.perf_counter() - started, peak_rss_mb()
        size, fields = len(body) / 1e6, body.count(b"&") + 1
        print(f"{size:.1f} MB, {fields} fields: {status} in {elapsed:.2f} s, peak RSS +{after - before:.0f} MB")
        small = b"&".join(b"f%d=%d" % (i, i) for i in range(199))
        started = time.perf_counter()
        status = requests.post(target, data=small, headers=FORM, timeout=60).status_code
        print(f"199 fields: {status} in {(time.perf_counter() - started) * 1000:.1f} ms")
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
