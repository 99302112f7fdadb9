"""Every message the workspace shows has a Russian translation (Russian is the default)."""

from __future__ import annotations

import ast
from pathlib import Path
from string import Formatter

from babel.messages.extract import extract_from_dir

from api.web.i18n import catalog, translations
from projections import bank_reasons
from projections.describe import describe
from projections.messages import MESSAGES

WEB = Path(__file__).parents[2] / "api" / "web"


def _template_messages() -> set[str]:
    found = extract_from_dir(
        str(WEB / "templates"),
        method_map=[("**.html", "jinja2"), ("**.svg", "jinja2")],
        options_map={"**.html": {"extensions": "jinja2.ext.i18n"}},
    )
    return {message if isinstance(message, str) else message[0]
            for _file, _line, message, _comments, _context in found}


def _python_messages() -> set[str]:
    """Literal messages passed to ``translate(request, "...")`` in the workspace's code."""
    messages: set[str] = set()
    for source in WEB.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id == "translate" and len(node.args) >= 2
                    and isinstance(node.args[1], ast.Constant)
                    and isinstance(node.args[1].value, str)):
                messages.add(node.args[1].value)
    return messages


def test_every_workspace_message_has_a_russian_translation() -> None:
    russian = catalog("ru")
    used = _template_messages() | _python_messages()
    missing = sorted(m for m in used if m and not getattr(russian.get(m), "string", None))
    assert not missing, f"add these to api/web/locale/ru/*.po: {missing}"


def _placeholders(template: str) -> set[str]:
    return {name for _text, name, _spec, _conversion in Formatter().parse(template) if name}


def test_every_timeline_message_has_a_russian_translation_with_the_same_placeholders() -> None:
    """Every message ``describe()`` or ``bank_reason()`` may give, system texts included.

    They are declared in ``projections/describe*.py``, ``system_lines.py`` and
    ``bank_reasons.py``.
    """
    assert describe  # importing it declares every message of the timeline ...
    assert bank_reasons.CLAUSES  # ... and this every message of a bank line's reason
    russian = catalog("ru")
    missing = [m for m in MESSAGES if not getattr(russian.get(m), "string", None)]
    assert not missing, f"add these to api/web/locale/ru/timeline.po or system.po: {missing}"
    differing = {m: str(russian[m].string) for m in MESSAGES
                 if _placeholders(str(russian[m].string)) != _placeholders(m)}
    assert not differing, f"keep every {{placeholder}} of these messages: {differing}"


def test_translations_are_loaded_from_the_catalogues() -> None:
    assert translations("ru").gettext("Customers") == "Клиенты"
    assert translations("en").gettext("Customers") == "Customers"


def test_no_message_is_translated_two_ways_by_two_areas() -> None:
    """Catalogues merge by message, so two areas must agree on each shared one."""
    from babel.messages.pofile import read_po

    seen: dict[str, set[str]] = {}
    for po in sorted((WEB / "locale" / "ru").glob("*.po")):
        with po.open("rb") as file:
            for message in read_po(file):
                if message.id and message.string:
                    seen.setdefault(str(message.id), set()).add(str(message.string))
    clashes = {k: v for k, v in seen.items() if len(v) > 1}
    assert not clashes, f"give these one translation, or distinct English messages: {clashes}"
