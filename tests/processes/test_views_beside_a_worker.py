"""Given the server's projection worker in the middle of a batch, when another process starts
or catches the views up itself, then neither fails and the worker goes on.

A process starting up (any ``lbx`` command, a second instance) sets the views up; on
PostgreSQL that must not deadlock with the worker's batch. A process without a worker (a
CLI import, an instance started with ``LBX_WORKER=0``) that finds the views moved by the
worker waits for it instead of failing.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.bootstrap import bootstrap
from commands.issue_api_key import IssueApiKey
from ledger.access import Role
from tests.support.dsl import register, send

if TYPE_CHECKING:
    from collections.abc import Iterator

    from api.bootstrap import Services


@pytest.fixture
def worker_mid_batch(services: Services) -> Iterator[threading.Event]:
    """The worker applying a batch to the customers view, held until the event is set."""
    register(services)  # something for the worker to apply
    view = services.runner.projections["customers"]
    applying, release = threading.Event(), threading.Event()
    original = view.process

    def held(tx: Any, event: Any, position: int) -> Any:
        applying.set()
        release.wait(10)
        return original(tx, event, position)

    view.process = held  # type: ignore[method-assign]
    services.start_worker(interval=0.05)
    assert applying.wait(5)
    try:
        yield release
    finally:
        release.set()
        time.sleep(0.2)


@pytest.mark.parametrize("released_after", [0.3, 1.5])
def test_a_process_starting_beside_a_busy_worker_starts_and_the_worker_goes_on(
    services: Services, backend_env: dict[str, str], worker_mid_batch: threading.Event,
    released_after: float,
) -> None:
    started: list[object] = []

    def start() -> None:  # e.g. `lbx bill run` from cron
        try:
            bootstrap(backend_env, clock=services.runtime.clock).close()
            started.append("ok")
        except Exception as error:  # noqa: BLE001  (the test reports what it was)
            started.append(error)

    process = threading.Thread(target=start)
    process.start()
    time.sleep(released_after)
    worker_mid_batch.set()
    process.join(30)
    time.sleep(0.3)
    assert started == ["ok"]
    assert services.worker_error is None


def test_an_instance_without_a_worker_waits_for_the_views_instead_of_a_500(
    services: Services, backend_env: dict[str, str], worker_mid_batch: threading.Event,
) -> None:
    api_only = bootstrap({**backend_env, "LBX_WORKER": "0"}, clock=services.runtime.clock)
    try:
        token = send(api_only, IssueApiKey(name="acc", role=Role.ACCOUNTANT)).result["token"]
        customer = register(api_only, "C-2")
        threading.Timer(0.5, worker_mid_batch.set).start()
        with TestClient(create_app(api_only), raise_server_exceptions=False) as client:
            answer = client.get(
                f"/v1/customers/{customer}?wait_for={api_only.ledger.max_position()}",
                headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200, answer.text
    finally:
        api_only.close()


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_the_worker_outlives_a_deadlock_and_a_failing_view_still_stops_it(
    services: Services,
) -> None:
    customer = register(services)
    view = services.runner.projections["customers"]
    original = view.process
    calls: list[int] = []

    def deadlocked_once(tx: Any, event: Any, position: int) -> Any:
        calls.append(position)
        if len(calls) == 1:
            raise psycopg.errors.DeadlockDetected("deadlock detected")
        return original(tx, event, position)

    view.process = deadlocked_once  # type: ignore[method-assign]
    services.start_worker(interval=0.01)
    assert services.await_position(services.ledger.max_position(), timeout=10)
    deadline = time.monotonic() + 10
    while services.worker_error is not None and time.monotonic() < deadline:
        time.sleep(0.05)  # "degraded" until the database answered again
    assert services.worker_error is None
    assert services.store.query("SELECT 1 FROM view_customers WHERE customer_id = :id",
                                {"id": str(customer)})

    def broken(tx: Any, event: Any, position: int) -> Any:
        raise ValueError("a projection's bug")

    view.process = broken  # type: ignore[method-assign]
    register(services, "C-2")
    deadline = time.monotonic() + 10
    while services.worker_error is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert isinstance(services.worker_error, ValueError)
