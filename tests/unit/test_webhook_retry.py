"""The retry schedule and the signature recipe, with an injected clock and random source."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import random
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from api.webhooks.retry import RetryPolicy
from api.webhooks.signing import signed_headers, verify

if TYPE_CHECKING:
    from collections.abc import Callable

T0 = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)


class Fixed(random.Random):
    """A random source that always draws the same number."""

    def __init__(self, value: float) -> None:
        super().__init__()
        self.value = value

    def random(self) -> float:
        return self.value


def test_without_jitter_the_delay_doubles_from_30_seconds_up_to_6_hours() -> None:
    policy = RetryPolicy(rng=Fixed(0.0))
    delays = [policy.delay(n).total_seconds() for n in range(1, 13)]
    assert delays == [30, 60, 120, 240, 480, 960, 1920, 3840, 7680, 15360, 21600, 21600]


def test_jitter_takes_at_most_half_of_each_delay_off() -> None:
    policy = RetryPolicy(rng=random.Random(7))  # noqa: S311
    for failures in range(1, 20):
        full = RetryPolicy(rng=Fixed(0.0)).delay(failures)
        drawn = policy.delay(failures)
        assert full / 2 <= drawn <= full
    assert RetryPolicy(rng=Fixed(0.999)).delay(1) < timedelta(seconds=15.1)


def test_retries_go_on_for_three_days_and_the_last_one_is_at_the_deadline() -> None:
    policy = RetryPolicy(rng=Fixed(0.0))
    now, failures, attempts_at = T0, 0, [T0]
    while True:
        failures += 1
        following = policy.next_attempt(failures, T0, now)
        if following is None:
            break
        attempts_at.append(following)
        now = following
    assert attempts_at[-1] == T0 + timedelta(days=3)
    assert all(b > a for a, b in itertools.pairwise(attempts_at))
    assert 20 <= len(attempts_at) <= 25
    assert policy.next_attempt(failures, T0, T0 + timedelta(days=3)) is None


def test_a_test_policy_can_retry_within_seconds() -> None:
    quick = RetryPolicy(first_delay=timedelta(seconds=1), max_delay=timedelta(seconds=2),
                        give_up_after=timedelta(seconds=5), rng=Fixed(0.0))
    assert quick.next_attempt(1, T0, T0) == T0 + timedelta(seconds=1)
    assert quick.next_attempt(5, T0, T0 + timedelta(seconds=4)) == T0 + timedelta(seconds=5)
    assert quick.next_attempt(6, T0, T0 + timedelta(seconds=5)) is None


def test_the_documented_recipe_verifies_what_lbx_signs() -> None:
    secret, body, stamp = "ab" * 32, b'{"id":"e-1","type":"payment.received"}', 1768467600
    headers = signed_headers(secret, stamp, body)
    # the recipe of docs/webhooks.md, written out independently of api.webhooks.signing
    expected = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    assert headers == {"LBX-Timestamp": str(stamp), "LBX-Signature": f"v1={expected}"}
    assert verify(secret, headers, body, now=stamp + 10) is None


def test_a_changed_body_an_old_timestamp_or_another_secret_is_refused() -> None:
    secret, body, stamp = "ab" * 32, b'{"id":"e-1"}', 1768467600
    headers = signed_headers(secret, stamp, body)
    assert verify(secret, headers, b'{"id":"e-2"}', now=stamp) is not None
    assert verify(secret, headers, body, now=stamp + 301) is not None
    assert verify("cd" * 32, headers, body, now=stamp) is not None
    assert verify(secret, {}, body, now=stamp) is not None


def test_a_timestamp_of_digits_other_than_ascii_is_refused_not_a_crash() -> None:
    secret, body = "ab" * 32, b'{"id":"e-1"}'
    for stamp in ("\u00b2", "\u0661\u0662", "\uff11"):  # superscript two, Arabic-Indic, fullwidth
        headers = {"LBX-Timestamp": stamp, "LBX-Signature": "v1=00"}
        assert verify(secret, headers, body, now=1768467600) == (
            "LBX-Timestamp is missing or not Unix seconds")


def documented_recipe() -> Callable[[str, dict[str, str], bytes], bool]:
    """``verify_lbx`` exactly as docs/webhooks.md shows it."""
    text = (Path(__file__).parents[2] / "docs" / "webhooks.md").read_text()
    code = text.split("## Verifying a delivery", 1)[1].split("```python", 1)[1].split("```")[0]
    namespace: dict[str, Any] = {}
    exec(code, namespace)  # noqa: S102  (our own documentation)
    recipe: Callable[[str, dict[str, str], bytes], bool] = namespace["verify_lbx"]
    return recipe


def test_the_documented_recipe_refuses_other_digits_and_accepts_what_lbx_signs() -> None:
    recipe = documented_recipe()
    secret, body = "ab" * 32, b'{"id":"e-1","type":"payment.received"}'
    assert recipe(secret, signed_headers(secret, int(time.time()), body), body) is True
    assert recipe(secret, {"LBX-Timestamp": "\u00b2", "LBX-Signature": "v1=00"}, body) is False
