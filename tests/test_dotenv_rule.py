"""The .env rule: settings come from the environment only; nothing in the service reads .env.

gunicorn never reads it, so neither does the app factory, and Flask's CLI is kept from it
(the Makefile exports FLASK_SKIP_DOTENV=1); a CLI run that has read one anyway is refused.
"""

from __future__ import annotations

import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask.cli import cli as flask_cli

import ivr.app
from ivr import create_app
from ivr.app import dotenv_files
from ivr.config import PROJECT_ROOT, ConfigError, Settings

# What a newcomer gets by copying .env.example, plus a marker only the file sets.
DOTENV = "IVR_ENV=production\nDATABASE_URL=postgresql+psycopg://ivr@127.0.0.1:1/ivr\nUTILITY_NAME=FROM_DOTENV\n"
DEMO_ENV = {"IVR_ENV": "development", "TWILIO_AUTH_TOKEN": "local-demo-token", "SECRET_KEY": "local-demo-key"}
# Every variable Flask or the file may set, so the runner puts the environment back afterwards.
TOUCHED = ("DATABASE_URL", "UTILITY_NAME", "FLASK_RUN_FROM_CLI", "FLASK_SKIP_DOTENV", "FLASK_APP")


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory holding a copied .env.example, as a newcomer's checkout would."""
    (tmp_path / ".env").write_text(DOTENV, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))  # flask --app puts the working directory on it
    for name in TOUCHED:
        monkeypatch.delenv(name, raising=False)
    return tmp_path


@pytest.fixture
def seen(monkeypatch: pytest.MonkeyPatch) -> list[Settings]:
    """The settings each create_app ran with."""
    started: list[Settings] = []
    monkeypatch.setattr(ivr.app, "configure_logging", started.append)
    return started


def _flask(workdir: Path, **env: str) -> Any:
    """`flask --app ivr stats-docs` as a shell would run it: the real CLI group, --app and all."""
    environment: dict[str, str | None] = dict.fromkeys(TOUCHED) | DEMO_ENV | env
    args = ["--app", "ivr", "stats-docs", "--output", str(workdir / "statistics.md")]
    return CliRunner().invoke(flask_cli, args, env=environment)


def test_the_flask_cli_as_make_runs_it_leaves_a_dotenv_alone(workdir: Path, seen: list[Settings]) -> None:
    result = _flask(workdir, FLASK_SKIP_DOTENV="1")

    assert result.exit_code == 0, result.output
    [settings] = seen
    assert (settings.env, settings.utility_name) == ("development", "PLN")
    assert settings.database_url == Settings().database_url  # the demo's SQLite, not the file's PostgreSQL


@pytest.mark.skipif(find_spec("dotenv") is None, reason="without python-dotenv Flask's CLI reads no .env")
def test_a_flask_cli_run_that_read_a_dotenv_is_refused(workdir: Path, seen: list[Settings]) -> None:
    result = _flask(workdir)

    assert isinstance(result.exception, ConfigError)
    assert str(workdir / ".env") in str(result.exception) and "FLASK_SKIP_DOTENV=1" in str(result.exception)
    assert seen == []


def test_the_app_factory_reads_no_dotenv(workdir: Path, seen: list[Settings], monkeypatch) -> None:
    for name, value in DEMO_ENV.items():
        monkeypatch.setenv(name, value)
    create_app()  # as gunicorn calls it

    assert [(s.env, s.utility_name, s.database_url) for s in seen] == [("development", "PLN", Settings().database_url)]


def test_the_files_flask_would_read_are_the_nearest_of_each(tmp_path: Path) -> None:
    inner = tmp_path / "a" / "b"
    inner.mkdir(parents=True)
    (tmp_path / ".env").write_text("")
    (tmp_path / "a" / ".env").write_text("")
    (tmp_path / ".flaskenv").write_text("")
    assert dotenv_files(inner) == [tmp_path / ".flaskenv", tmp_path / "a" / ".env"]


def test_every_make_target_runs_with_flask_skip_dotenv() -> None:
    shown = subprocess.run(
        ["make", "-s", "--no-print-directory", "--eval", "env-check: ; @echo $$FLASK_SKIP_DOTENV", "env-check"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert shown.stdout.strip() == "1"


def test_the_procfile_flask_line_skips_the_dotenv_too() -> None:
    lines = (PROJECT_ROOT / "Procfile").read_text(encoding="utf-8").splitlines()
    assert all("FLASK_SKIP_DOTENV=1 flask" in line for line in lines if " flask " in f" {line}")
