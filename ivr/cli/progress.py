"""Progress of a long CLI job: a bar on a terminal, otherwise a line with percentage and ETA every few seconds.

Jobs report `(done, total)` as they go (the same callback the history generator and the rollup
rebuild take); a log file or a CI job then shows how far a rebuild is and when it should end.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar

Progress = Callable[[int, int], None]  # (done, total)
EVERY_SECONDS = 5.0  # between progress lines when not on a terminal


def duration(seconds: float) -> str:
    """A duration as h:mm:ss or m:ss, as the bar shows its ETA."""
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"


def progress_line(unit: str, done: int, total: int, elapsed: float) -> str:
    """`1,000 of 4,000 calls (25%), 0:10 elapsed, about 0:30 left`."""
    share = done / total if total else 1.0
    line = f"  {done:,} of {total:,} {unit} ({share:.0%}), {duration(elapsed)} elapsed"
    if 0 < done < total:
        line += f", about {duration(elapsed * (total - done) / done)} left"
    return line


@contextmanager
def progress(
    label: str,
    unit: str,
    *,
    terminal: bool | None = None,
    every: float = EVERY_SECONDS,
    timer: Callable[[], float] = time.monotonic,
) -> Iterator[Progress]:
    """A `(done, total)` callback for the job run inside; `terminal` defaults to whether stdout is one."""
    on_terminal = sys.stdout.isatty() if terminal is None else terminal
    with ExitStack() as stack:
        yield _bar(stack, label) if on_terminal else _lines(label, unit, every, timer)


def _bar(stack: ExitStack, label: str) -> Progress:
    bar: ProgressBar[int] | None = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:  # the total is known from the first report on
            bar = stack.enter_context(click.progressbar(length=total, label=label, show_eta=True, show_percent=True))
        bar.update(done - bar.pos)

    return update


def _lines(label: str, unit: str, every: float, timer: Callable[[], float]) -> Progress:
    started = timer()
    last: float | None = None

    def report(done: int, total: int) -> None:
        nonlocal last
        now = timer()
        if last is None:
            click.echo(f"{label}: {total:,} {unit}")
        if last is None or now - last >= every or done >= total:
            last = now
            click.echo(progress_line(unit, done, total, now - started))

    return report
