"""Waiting in the tests: on a condition with a generous bound, never for a fixed time.

A test that sleeps for a fixed time, or gives a condition a few seconds, passes on an idle
machine and fails on a busy one (CI beside other jobs, a load average of 6 on 2 cores). So:

- `wait_for(predicate, what=...)` polls until the predicate is true and returns its value. The
  bound only ends a run that would otherwise hang: it costs nothing when the condition comes,
  so it is generous (WAIT_SECONDS, SERVER_START_SECONDS), and its error says what was awaited
  and what was seen last.
- A time window of the app (a lockout, a back-off, a memo) is crossed with `FakeClock` (the
  `frozen_clock` fixture of tests/conftest.py), not by sleeping or by racing the real clock.
- A cost bound ("this stays cheap") is measured in this thread's CPU time (`CpuTime`), which
  other processes on the machine do not inflate the way they inflate wall time.
"""

import time

# A condition that takes milliseconds to a few seconds on an idle machine.
WAIT_SECONDS = 120.0
# A server started from nothing: migrate, import the courses, collectstatic, then serve.
SERVER_START_SECONDS = 600.0
# One HTTP request of a test to a server of its own (a socket timeout, not a target).
HTTP_SECONDS = 120.0
# A manage.py or Python subprocess that starts Django and does a little work.
SUBPROCESS_SECONDS = 300.0


class WaitTimeout(AssertionError):
    """A condition did not come within its bound."""


def wait_for(predicate, *, what, timeout=WAIT_SECONDS, interval=0.05, ignore=(OSError,)):
    """Call `predicate()` until it returns something true, and return that.

    It is polled every `interval` seconds at first, then less often (up to 1 s). Exceptions of
    the types in `ignore` (by default OSError: a refused connection, a server not answering
    yet) count as "not yet"; any other exception propagates at once. After `timeout` seconds,
    WaitTimeout names `what` and the last value or exception seen.
    """
    deadline = time.monotonic() + timeout
    last = "nothing yet"
    while True:
        try:
            value = predicate()
        except ignore as error:
            last = f"{type(error).__name__}: {error}"
        else:
            if value:
                return value
            last = repr(value)
        if time.monotonic() >= deadline:
            raise WaitTimeout(f"timed out after {timeout:g} s waiting for {what} (last: {last})")
        time.sleep(interval)
        interval = min(interval * 1.5, 1.0)


class FakeClock:
    """Stands in for the `time` module inside the modules under test.

    `monotonic()`, `time()` and `perf_counter()` start at the real values and stand still
    until `advance(seconds)` (or `sleep(seconds)`, which advances instead of waiting); any
    other attribute is the real `time` module's. Install it with the `frozen_clock` fixture.
    """

    def __init__(self):
        self._monotonic = time.monotonic()
        self._wall = time.time()
        self._perf = time.perf_counter()
        self.offset = 0.0

    def monotonic(self):
        return self._monotonic + self.offset

    def time(self):
        return self._wall + self.offset

    def perf_counter(self):
        return self._perf + self.offset

    def advance(self, seconds):
        self.offset += seconds

    def sleep(self, seconds):
        self.advance(seconds)

    def __getattr__(self, name):
        return getattr(time, name)


class CpuTime:
    """The CPU time this thread spends inside the block: `with CpuTime() as cpu: ...`, then
    `cpu.seconds`. A bound on it holds on a busy machine, where wall time does not."""

    seconds = 0.0

    def __enter__(self):
        self._started = time.thread_time()
        return self

    def __exit__(self, *exc_info):
        self.seconds = time.thread_time() - self._started
        return False
