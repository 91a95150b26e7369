"""gunicorn settings for the Procfile's web line: logs through the app's masking formatter, and
Prometheus counters added up across workers.

- Logs: gunicorn's own error log (worker boots, timeouts) goes through ivr.logs' formatter (JSON,
  or text with LOG_FORMAT=text), like the app's. gunicorn's access log is off: the app writes one
  line per request itself, with the request id, CallSid, flow node and outcome gunicorn cannot see.
- Metrics: every worker writes its counters to files in PROMETHEUS_MULTIPROC_DIR, which /metrics
  adds up whichever worker answers the scrape. Unset, a fresh temporary directory is used. It is
  emptied when gunicorn starts (old values would be added in), and a worker that exits is marked
  dead so its live gauges go.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

# prometheus_client picks its multiprocess mode from the environment when first imported, so this
# comes before anything imports it (the workers inherit the environment).
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="ivr-metrics-")

from ivr import logs  # after the environment is set
from ivr.config import settings_from_env

accesslog = None
errorlog = "-"
logconfig_dict = logs.dict_config(settings_from_env().effective_log_format)


def metrics_dir() -> Path:
    return Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])


def on_starting(server: Any) -> None:
    """Start the counters from zero: files left by a previous run would be added in."""
    directory = metrics_dir()
    directory.mkdir(parents=True, exist_ok=True)
    for entry in directory.iterdir():
        if entry.is_dir():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def child_exit(server: Any, worker: Any) -> None:
    """A worker that is gone no longer reports live gauges; its counters stay in the sums."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid, str(metrics_dir()))
