"""The total in words: Russian document convention, plural forms, other currencies, English."""

from __future__ import annotations

import pytest

from api.documents.amount_words import amount_in_words, cardinal_ru, plural_ru
from ledger.money import Money


@pytest.mark.parametrize(("minor", "words"), [
    (122000, "Одна тысяча двести двадцать рублей 00 копеек"),
    (101, "Один рубль 01 копейка"),
    (200, "Два рубля 00 копеек"),
    (500, "Пять рублей 00 копеек"),
    (2100, "Двадцать один рубль 00 копеек"),
    (2222, "Двадцать два рубля 22 копейки"),
    (1111, "Одиннадцать рублей 11 копеек"),
    (11100, "Сто одиннадцать рублей 00 копеек"),
    (10_100, "Сто один рубль 00 копеек"),
    (200_000, "Две тысячи рублей 00 копеек"),
    (100_000_000, "Один миллион рублей 00 копеек"),
    (50, "Ноль рублей 50 копеек"),
    (0, "Ноль рублей 00 копеек"),
    (123_456, "Одна тысяча двести тридцать четыре рубля 56 копеек"),
    (-500, "Минус пять рублей 00 копеек"),
])
def test_roubles_in_words_as_russian_documents_write_them(minor: int, words: str) -> None:
    assert amount_in_words(Money(minor, "RUB")) == words


@pytest.mark.parametrize(("number", "form"), [
    (1, "рубль"), (2, "рубля"), (4, "рубля"), (5, "рублей"), (11, "рублей"), (12, "рублей"),
    (14, "рублей"), (21, "рубль"), (22, "рубля"), (25, "рублей"), (111, "рублей"),
    (101, "рубль"), (1_000_000, "рублей"),
])
def test_the_plural_form_follows_the_last_digits(number: int, form: str) -> None:
    assert plural_ru(number, ("рубль", "рубля", "рублей")) == form


def test_a_feminine_unit_agrees_only_in_its_last_three_digits() -> None:
    assert cardinal_ru(2, feminine=True) == "две"
    assert cardinal_ru(1_000_001, feminine=True) == "один миллион одна"
    assert amount_in_words(Money(1, "JPY")) == "Одна иена"
    assert amount_in_words(Money(1_000_000, "JPY")) == "Один миллион иен"


@pytest.mark.parametrize(("money", "words"), [
    (Money(122000, "USD"), "Одна тысяча двести двадцать долларов США 00 центов"),
    (Money(2101, "EUR"), "Двадцать один евро 01 цент"),
    (Money(500, "CNY"), "Пять юаней 00 фэней"),
    (Money(1234, "KWD"), "Один KWD 234/1000"),
])
def test_other_currencies_in_russian(money: Money, words: str) -> None:
    assert amount_in_words(money) == words


@pytest.mark.parametrize(("money", "words"), [
    (Money(122000, "RUB"), "One thousand, two hundred and twenty roubles and 00 kopecks"),
    (Money(101, "USD"), "One US dollar and 01 cent"),
    (Money(150, "EUR"), "One euro and 50 cents"),
    (Money(3, "JPY"), "Three yen"),
])
def test_english_words(money: Money, words: str) -> None:
    assert amount_in_words(money, "en") == words
