"""The demo company: a few tariffs, ~50 customers, ten months of real history.

Loaded into an empty database by ``lbx serve --demo`` (``make run``) and ``lbx demo load``.
Everything is recorded through the same commands a real company sends — registrations,
subscriptions, usage, bill runs on every day of the period, payments on time, late, partial
or never — with a clock that walks through the months. So the demo shows what LBX really
produces: invoices, credit, debts in every aging bucket, discounts, an individual price,
plan changes, cancellations, reminders and suspensions for debt.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from api.company import write_demo_company
from api.webhooks.demo import register_demo_webhook
from commands.base import Command, Context, Outcome
from commands.cancel_subscription import CancelSubscription
from commands.change_subscription import ChangeSubscription
from commands.dispatch import dispatch
from commands.grant_discount import GrantDiscount
from commands.issue_api_key import IssueApiKey
from commands.publish_tariff import PublishTariff
from commands.record_charge import RecordCharge
from commands.record_payment import RecordPayment
from commands.record_usage import RecordUsage
from commands.register_customer import RegisterCustomer
from commands.run_billing import RunBilling, run_billing
from commands.run_dunning import run_dunning_for
from commands.runtime import Runtime
from commands.set_individual_price import SetIndividualPrice
from commands.start_subscription import StartSubscription
from ledger.access import Role
from ledger.clock import SimulatedClock

if TYPE_CHECKING:
    from uuid import UUID

    from api.bootstrap import Services

DEMO_SECRETS = {
    Role.ADMIN: "demo-admin-secret-0001",
    Role.ACCOUNTANT: "demo-accountant-secret-0001",
    Role.AUDITOR: "demo-auditor-secret-0001",
    Role.SERVICE: "demo-service-secret-0001",
}
TARIFFS: dict[str, dict[str, Any]] = {
    "start": {"name": "Старт", "currency": "RUB", "vat_rate": "22", "components": [
        {"code": "base", "name": "Абонентская плата", "kind": "flat", "price": "1990.00"}]},
    "business": {"name": "Бизнес", "currency": "RUB", "vat_rate": "22", "components": [
        {"code": "seats", "name": "Рабочие места", "kind": "seat", "price": "990.00"},
        {"code": "api", "name": "API-запросы", "kind": "metered", "pricing": {
            "kind": "graduated", "tiers": [
                {"up_to": 10000, "unit_price": "0"},
                {"up_to": 100000, "unit_price": "0.05"},
                {"up_to": None, "unit_price": "0.03"}]}}]},
    "corporate": {"name": "Корпоративный", "currency": "RUB", "vat_rate": "22",
                  "period_unit": "quarter", "components": [
        {"code": "base", "name": "Абонентская плата за квартал", "kind": "flat",
         "price": "45000.00"},
        {"code": "setup", "name": "Внедрение", "kind": "setup", "price": "15000.00"}]},
}
NAMES = [
    "Ромашка", "Василёк", "Северный ветер", "Техносфера", "Альфа-Логистик", "Медведь",
    "Вектор", "Горизонт", "Спектр", "Орбита", "Меридиан", "Кристалл", "Пульс", "Атлант",
    "Сигма", "Каскад", "Феникс", "Эверест", "Байкал", "Нева", "Урал-Сервис", "Волга-Трейд",
    "Сибирь Софт", "Камея", "Лотос", "Гранит", "Янтарь", "Рубин", "Сапфир", "Изумруд",
    "Бриз", "Маяк", "Парус", "Штиль", "Фрегат", "Компас", "Глобус", "Квант", "Импульс",
    "Модуль", "Формула", "Пиксель", "Синтез", "Вертикаль", "Периметр", "Радиус", "Тандем",
    "Фокус", "Дельта", "Омега",
]


def demo_token(role: Role) -> str:
    """The demo key of a role (deterministic, so it can be printed at every start)."""
    key_id = _context(f"demo/key/{role.value}").derive_id(_key_ring_id(), "key")[:8]
    return f"lbx_{key_id}_{DEMO_SECRETS[role]}"


def _key_ring_id() -> UUID:
    from ledger.access import KEY_RING_ID  # noqa: PLC0415

    return KEY_RING_ID


def _context(key: str) -> Context:
    return Context(actor="demo", source="demo", idempotency_key=key)


def inn_for(n: int) -> str:
    """A valid 10-digit ИНН of a legal entity (check digit computed), unique per ``n``."""
    body = f"7701{n:05d}"  # region 77, tax office 01, the record number
    weights = (2, 4, 10, 3, 5, 9, 4, 6, 8)
    check = sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11 % 10
    return body + str(check)


HABITS = ["on_time"] * 34 + ["late"] * 5 + ["partial"] * 4 + ["stopped"] * 4 + ["prepays"] * 3
MONTHS = 10


@dataclass
class DemoCompany:
    """Builds the demo history day by day, with its own clock walking through the months."""

    runtime: Runtime
    today: date
    rng: random.Random = field(default_factory=lambda: random.Random(20261130))  # noqa: S311
    payments_due: dict[date, list[tuple[UUID, str]]] = field(default_factory=dict)
    habits: dict[UUID, str] = field(default_factory=dict)
    stops: dict[UUID, date] = field(default_factory=dict)
    subscriptions: dict[UUID, str] = field(default_factory=dict)
    counter: int = 0

    @classmethod
    def for_services(cls, services: Services, today: date) -> DemoCompany:
        """A demo builder over the services' ledger, with a clock of its own."""
        start = today - timedelta(days=MONTHS * 30)
        clock = SimulatedClock(datetime(start.year, start.month, start.day, 9, tzinfo=UTC))
        runtime = Runtime(services.ledger, clock, services.runtime.invoice_prefix)
        return cls(runtime, today)

    @property
    def clock(self) -> SimulatedClock:
        """The demo's own clock."""
        clock = self.runtime.clock
        assert isinstance(clock, SimulatedClock)  # noqa: S101
        return clock

    def send(self, command: Command) -> Outcome:
        """Send a command as the demo loader, on the clock's day."""
        self.counter += 1
        return dispatch(command, _context(f"demo/{self.counter}"), self.runtime)

    # -- the story -----------------------------------------------------------------------------

    def load(self) -> None:
        """Write the whole history, from ten months ago until today."""
        self._keys_and_tariffs()
        start = self.clock.today()
        signups = {start + timedelta(days=n * 4): n for n in range(len(NAMES))}
        day = start
        while day <= self.today:
            self.clock.move_to(day)
            if day in signups:
                self._sign_up(signups[day], day)
            self._events_of_the_day(day)
            if day.day == 1 or day in signups or day == self.today:
                self._bill(day)  # every subscription here is anchored on the 1st
            self._pay(day)
            if day.weekday() == 0 or day == self.today:  # dunning catches up on missed days
                run_dunning_for(self.runtime, list(self.habits), day,
                                _context(f"demo/dunning/{day}"))
            day += timedelta(days=1)

    def _keys_and_tariffs(self) -> None:
        for role, secret in DEMO_SECRETS.items():
            dispatch(IssueApiKey(name=f"demo {role.value}", role=role, secret=secret),
                     _context(f"demo/key/{role.value}"), self.runtime)
        for code, definition in TARIFFS.items():
            self.send(PublishTariff.model_validate({"code": code, "definition": definition}))

    def _sign_up(self, n: int, day: date) -> None:
        tariff = ("start", "business", "corporate")[n % 3] if n % 7 else "business"
        customer = self.send(RegisterCustomer(
            external_key=f"CRM-{1001 + n}", name=f'ООО "{NAMES[n]}"', inn=inn_for(n),
            kpp="770101001", email=f"buh@{n}.example.ru", manager=("Анна", "Борис", "Вера")[n % 3],
            payment_terms_days=(7, 10, 14)[n % 3], vat_rate=Decimal(22))).target_id
        self.habits[customer] = HABITS[n % len(HABITS)]
        self.stops[customer] = self.today - timedelta(days=25 + 35 * (n % 4))
        quantity = 3 + n % 8 if tariff == "business" else 1
        self.subscriptions[customer] = self.send(StartSubscription(
            customer_id=customer, tariff_code=tariff, start_date=day, anchor_day=1,
            quantity=quantity)).result["subscription_id"]
        if n % 10 == 3:
            self.send(GrantDiscount(customer_id=customer, kind="percent", percent=Decimal(10),
                                    periods=3, description="Скидка за переход с другой системы"))
        if n == 5:
            self.send(SetIndividualPrice(
                customer_id=customer, subscription_id=self.subscriptions[customer],
                component="base", price=Decimal("1490.00"),
                until=day + timedelta(days=180), note="Цена по договору 12/2026",
                agreed_by="Анна Петрова, коммерческий директор"))
        if self.habits[customer] == "prepays":
            self.send(RecordPayment(customer_id=customer, amount="30000.00", currency="RUB",
                                    reference="Аванс по договору"))

    def _events_of_the_day(self, day: date) -> None:
        if day.day == 28:
            for customer, sub in self.subscriptions.items():
                if self._meters_api(customer, sub, day):
                    calls = self.rng.randrange(2_000, 180_000)
                    self.send(RecordUsage(customer_id=customer, subscription_id=sub,
                                          component="api", usage_id=f"{sub}/{day}",
                                          quantity=Decimal(calls), occurred_on=day))
        customers = list(self.subscriptions)
        if day == self.today - timedelta(days=120) and len(customers) > 8:
            self.send(ChangeSubscription(customer_id=customers[8],
                                         subscription_id=self.subscriptions[customers[8]],
                                         quantity=12, effective_date=day))
        if day == self.today - timedelta(days=75) and len(customers) > 11:
            target = customers[11]
            self.send(CancelSubscription(customer_id=target,
                                         subscription_id=self.subscriptions[target],
                                         effective_date=day, when="end_of_term",
                                         reason="Клиент переходит на другую систему"))
        if day == self.today - timedelta(days=40) and len(customers) > 2:
            self.send(RecordCharge(customer_id=customers[2], amount="12000.00",
                                   description="Обучение сотрудников (выездное)"))
        if day == self.today - timedelta(days=2) and len(customers) > 6:
            for customer in (customers[4], customers[6]):  # invoiced, not yet due
                self.send(RecordCharge(customer_id=customer, amount="4500.00",
                                       description="Настройка интеграции с 1С"))

    def _meters_api(self, customer: UUID, subscription_id: str, day: date) -> bool:
        """Whether the customer's «Бизнес» subscription serves ``day`` (usage is refused else)."""
        if self.habits[customer] == "closed" or self._tariff(customer) != "business":
            return False
        sub = self.runtime.ledger.customer(customer).state.subscriptions[subscription_id]
        return (sub.cancel_at is None or day < sub.cancel_at) and sub.paused_from is None

    def _tariff(self, customer: UUID) -> str:
        sub = self.runtime.ledger.customer(customer).state.subscriptions
        return next(iter(sub.values())).tariff_code

    def _bill(self, day: date) -> None:
        report = run_billing(RunBilling(as_of=day), _context(f"demo/bill/{day}"), self.runtime,
                             list(self.habits))
        for invoice in report.invoices:
            customer = next(c for c in self.habits if str(c) == invoice.customer_id)
            self._schedule(customer, invoice.invoice_id, day)

    def _schedule(self, customer: UUID, invoice_id: str, day: date) -> None:
        habit = self.habits[customer]
        if habit == "stopped" and day > self.stops[customer]:
            return  # stopped paying: these invoices age into every bucket
        delay = {"on_time": self.rng.randrange(1, 9), "late": self.rng.randrange(20, 45),
                 "partial": self.rng.randrange(3, 12), "stopped": 5, "prepays": 1}[habit]
        self.payments_due.setdefault(day + timedelta(days=delay), []).append(
            (customer, invoice_id))

    def _pay(self, day: date) -> None:
        for customer, invoice_id in self.payments_due.pop(day, []):
            invoice = self.runtime.ledger.customer(customer).state.invoices[invoice_id]
            amount = invoice.open_minor
            if self.habits[customer] == "partial":
                amount = amount // 2
            if amount <= 0:
                continue
            self.send(RecordPayment(
                customer_id=customer, amount=f"{amount // 100}.{amount % 100:02d}",
                currency="RUB", reference=f"Оплата по счёту {invoice.number}",
                invoice_ids=[invoice_id], payer_inn=None))


def load_demo(services: Services, today: date, base_url: str | None = None) -> bool:
    """Load the demo company into an empty ledger; return False if it was not empty.

    The seller's requisites (for documents) go to the company file unless one exists; with
    ``base_url`` (the running server) a webhook endpoint pointing at LBX's own test receiver
    is registered after the history, so its delivery log shows what happens from now on.
    """
    if services.ledger.max_position() > 0:
        return False
    DemoCompany.for_services(services, today).load()
    write_demo_company(services.settings)
    if base_url is not None:
        register_demo_webhook(services, base_url)
    return True
