"""How long `create_app` takes: what every test pays once (each test builds its own app).

Builds one app to warm up (imports, the first read of the flow files), then `--apps` more on
fresh SQLite files, and prints the mean and the spread. Run by hand, not in CI:

    .venv/bin/python bench/app_start.py --apps 20
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ivr import create_app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--apps", type=int, default=20, help="apps built after the warm-up")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="app-start-") as scratch:
        settings = {"env": "test", "twilio_auth_token": "bench", "secret_key": "bench"}
        create_app({**settings, "database_url": f"sqlite:///{scratch}/warm.db"})
        seconds = []
        for index in range(args.apps):
            started = time.perf_counter()
            create_app({**settings, "database_url": f"sqlite:///{scratch}/app{index}.db"})
            seconds.append(time.perf_counter() - started)
    ms = [s * 1000 for s in seconds]
    print(
        f"create_app, {args.apps} apps after a warm-up: mean {statistics.mean(ms):.1f} ms, "
        f"median {statistics.median(ms):.1f} ms, min {min(ms):.1f} ms, max {max(ms):.1f} ms"
    )


if __name__ == "__main__":
    main()
