"""Long operations started from the workspace, run in a background thread of the service.

Why a registry: a bill run over many customers or a projection rebuild takes longer than a
request should, so the page that starts one answers at once with the job's own page, and
that page follows the job's progress. The registry lives as long as the process (on the
app's state), so a reload, or another tab, finds the job again; it is not a queue and not
durable: what a job writes is in the ledger, and the ledger is what survives a restart.

Any area may use it: ``jobs_of(request).start(kind, started_by, work, params)`` where
``work`` receives a :class:`Progress` to report ``set_total(n)`` and ``advance(n)``, and
returns a summary (a dict of plain values) that the job page
(``/app/operations/jobs/<id>``, with a JSON status beside it at ``.../status``) shows when
it finishes. ``params`` may carry a ``title`` for the page, a ``result_url`` to a page of
the area's own that shows the result in full, and a form's idempotency ``key`` so that a
double submit finds the job already started (:meth:`JobRegistry.find_by_key`).
"""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from collections.abc import Callable

    from fastapi import Request

log = logging.getLogger(__name__)
Status = Literal["running", "succeeded", "failed"]
KEEP = 200
"""How many finished jobs the registry remembers (the oldest are forgotten first)."""


@dataclass
class Job:
    """One long operation: who started it, how far it is, and how it ended."""

    job_id: str
    kind: str
    started_by: str
    started_at: datetime
    params: dict[str, Any] = field(default_factory=dict)
    done: int = 0
    total: int | None = None
    status: Status = "running"
    result: dict[str, Any] | None = None
    error: str | None = None
    finished_at: datetime | None = None

    @property
    def finished(self) -> bool:
        """Whether the job has stopped, successfully or not."""
        return self.status != "running"

    @property
    def fraction(self) -> float | None:
        """The share done, from 0 to 1 (None while the total is unknown)."""
        if self.finished and self.status == "succeeded":
            return 1.0
        if not self.total:
            return None
        return min(self.done / self.total, 1.0)

    def as_json(self) -> dict[str, Any]:
        """What the job page's script polls for."""
        return {
            "id": self.job_id, "kind": self.kind, "status": self.status, "done": self.done,
            "total": self.total, "fraction": self.fraction, "error": self.error,
            "finished": self.finished,
        }


class Progress:
    """What a job's work reports while it runs (thread-safe through the registry's lock)."""

    def __init__(self, job: Job, lock: threading.Lock) -> None:
        self._job, self._lock = job, lock

    def set_total(self, total: int) -> None:
        """How many steps the work has (customers, events...)."""
        with self._lock:
            self._job.total = total

    def advance(self, steps: int = 1) -> None:
        """``steps`` more are done."""
        with self._lock:
            self._job.done += steps


class JobRegistry:
    """The jobs of this process, newest first; each runs in its own daemon thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[str, Job] = {}
        self._threads: dict[str, threading.Thread] = {}

    def start(self, kind: str, started_by: str,
              work: Callable[[Progress], dict[str, Any]],
              params: dict[str, Any] | None = None) -> Job:
        """Start ``work`` in a background thread and return its job at once.

        A form's ``key`` in ``params`` is looked up under the same lock as the start, so the
        same form posted twice, even at the same moment, gets the first job, not a second.
        """
        job, _ = self._admit(kind, started_by, work, params, alone=False)
        return job

    def start_alone(self, kind: str, started_by: str,
                    work: Callable[[Progress], dict[str, Any]],
                    params: dict[str, Any] | None = None) -> tuple[Job, bool]:
        """Start ``work`` unless a job of ``kind`` is running: (the job, whether it is new).

        The check and the start happen under one lock, so two requests at once start one;
        the same form posted twice gets its own job back, as new (see :meth:`start`).
        """
        return self._admit(kind, started_by, work, params, alone=True)

    def _admit(self, kind: str, started_by: str, work: Callable[[Progress], dict[str, Any]],
               params: dict[str, Any] | None, *, alone: bool) -> tuple[Job, bool]:
        job = Job(job_id=uuid.uuid4().hex, kind=kind, started_by=started_by,
                  started_at=datetime.now(UTC), params=dict(params or {}))
        thread = threading.Thread(target=self._run, args=(job, work),
                                  name=f"lbx-job-{kind}", daemon=True)
        key = job.params.get("key")
        with self._lock:
            if key and (earlier := self._keyed(key)) is not None:
                return earlier, True
            running = next((j for j in self._jobs.values()
                            if j.kind == kind and not j.finished), None)
            if alone and running is not None:
                return running, False
            self._jobs[job.job_id] = job
            self._threads[job.job_id] = thread
            self._forget_old()
        thread.start()
        return job, True

    def _run(self, job: Job, work: Callable[[Progress], dict[str, Any]]) -> None:
        try:
            result = work(Progress(job, self._lock))
        except Exception as error:  # the job page shows why it failed; the log, where
            log.exception("job %s (%s) failed", job.job_id, job.kind)
            with self._lock:
                job.status, job.error = "failed", f"{type(error).__name__}: {error}"
                job.finished_at = datetime.now(UTC)
            return
        with self._lock:
            job.status, job.result = "succeeded", result
            job.finished_at = datetime.now(UTC)

    def get(self, job_id: str) -> Job | None:
        """The job with this id, if this process still remembers it."""
        with self._lock:
            return self._jobs.get(job_id)

    def recent(self, limit: int = 20) -> list[Job]:
        """The newest jobs first."""
        with self._lock:
            jobs = sorted(self._jobs.values(), key=lambda j: j.started_at, reverse=True)
        return jobs[:limit]

    def find_by_key(self, key: str) -> Job | None:
        """The job a form with this idempotency key already started (a double submit)."""
        if not key:
            return None
        with self._lock:
            return self._keyed(key)

    def _keyed(self, key: str) -> Job | None:
        return next((j for j in self._jobs.values() if j.params.get("key") == key), None)

    def running(self, kind: str) -> Job | None:
        """A job of ``kind`` still running, if any."""
        with self._lock:
            return next((j for j in self._jobs.values()
                         if j.kind == kind and not j.finished), None)

    def wait(self, job_id: str, timeout: float = 30.0) -> Job | None:
        """Block until the job finishes (for tests and the CLI); the job, or None if unknown."""
        with self._lock:
            thread = self._threads.get(job_id)
        if thread is not None:
            thread.join(timeout)
        return self.get(job_id)

    def _forget_old(self) -> None:
        finished = sorted((j for j in self._jobs.values() if j.finished),
                          key=lambda j: j.started_at)
        for job in finished[: max(len(self._jobs) - KEEP, 0)]:
            del self._jobs[job.job_id]
            self._threads.pop(job.job_id, None)


_CREATE = threading.Lock()


def jobs_of(request: Request) -> JobRegistry:
    """The registry of the app serving ``request`` (made on first use)."""
    state = request.app.state
    with _CREATE:
        registry = getattr(state, "web_jobs", None)
        if registry is None:
            registry = JobRegistry()
            state.web_jobs = registry
    assert isinstance(registry, JobRegistry)  # noqa: S101  (only this module sets it)
    return registry
