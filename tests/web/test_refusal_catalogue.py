"""Every refusal the ledger and the commands can give has a Russian wording in the catalogue.

The workspace translates a refusal by its wording (``ledger.errors.written``): the class's
``template``, or the wording and the ``why`` it is raised with, whose named placeholders the
facts fill. So the source of ``ledger/`` and ``commands/`` is read
(``ast``), and so is the whole of ``api/`` (routes, documents, exports, the workspace's
pages) and ``projections/``, for every wording a refusal can be written from: each must be in
``api/web/locale/ru/*.po``.

A wording built with values inside (an f-string, ``+``, ``%``) cannot be found in the
catalogue at all, so it is refused here too: write a constant wording and pass the values as
facts. A ``why`` held in a variable is followed to the constants assigned to it in the
function (else to a module-level constant of that name), to those a function of the same
module returns, and to the values of a module-level dict it is taken from. Another
refusal's ``wording`` raised again (at another field) was checked where it was written; a
text a workspace page translates where it raises (``translate(request, "...")``) must have
its Russian entry like any wording. No refusal is exempt.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from dataclasses import dataclass
from pathlib import Path
from string import Formatter
from typing import Any, get_args

import api
import commands
import ledger
import projections
from api.web.i18n import catalog
from ledger.banking import BankPaymentStatus
from ledger.customers.state import Subscription
from ledger.errors import LedgerError
from ledger.periods import BillingPeriod, PeriodUnit
from ledger.tariffs.definition import Component

ROOT = Path(__file__).parents[2]
SCANNED = ("ledger", "commands", "api", "projections")
MOST_INDIRECTIONS = 3


@dataclass(frozen=True)
class Wording:
    """A constant wording a refusal can be written from, and where."""

    text: str
    where: str


@dataclass(frozen=True)
class Unwritable:
    """A refusal's text that is not a constant wording, and where."""

    source: str
    where: str


def _error_classes() -> dict[str, type[LedgerError]]:
    """Every ``LedgerError`` subclass of the scanned code, by name (importing it all)."""
    for package in (ledger, commands, projections, api):
        for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            importlib.import_module(module.name)
    found: dict[str, type[LedgerError]] = {"LedgerError": LedgerError}
    queue: list[type[LedgerError]] = [LedgerError]
    while queue:
        for subclass in queue.pop().__subclasses__():
            found[subclass.__name__] = subclass
            queue.append(subclass)
    return found


class _Reader:
    """The wordings and the unwritable texts of one module's refusals."""

    def __init__(self, path: str, source: str, errors: dict[str, type[LedgerError]]) -> None:
        self.path = path
        self.tree = ast.parse(source)
        self.errors = errors
        self.parents = {child: node for node in ast.walk(self.tree)
                        for child in ast.iter_child_nodes(node)}
        self.functions = {node.name: node for node in self.tree.body
                          if isinstance(node, ast.FunctionDef)}
        self.constants = {target.id: node.value for node in self.tree.body
                          if isinstance(node, ast.Assign) for target in node.targets
                          if isinstance(target, ast.Name)}
        self.wordings: set[Wording] = set()
        self.unwritable: set[Unwritable] = set()
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Call):
                self._call(node)

    def _call(self, call: ast.Call) -> None:
        name = _called(call)
        if name == "Term" and call.args and isinstance(call.args[0], ast.Constant):
            self._text(call.args[0], call)  # a term held in a variable: see the last test
        if name not in self.errors:
            return
        if call.args:
            self._text(call.args[0], call)
        terms = self.errors[name].terms
        for keyword in call.keywords:
            if keyword.arg == "why" or (keyword.arg in terms
                                        and isinstance(keyword.value, ast.Constant)):
                self._text(keyword.value, call)

    def _text(self, value: ast.expr, call: ast.Call, depth: int = 0) -> None:
        where = f"{self.path}:{value.lineno}"
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            self.wordings.add(Wording(value.value, where))
        elif isinstance(value, ast.IfExp):
            self._text(value.body, call, depth)
            self._text(value.orelse, call, depth)
        elif isinstance(value, ast.BoolOp):
            for operand in value.values:
                self._text(operand, call, depth)
        elif depth < MOST_INDIRECTIONS and (held := self._held(value, call)) is not None:
            for text in held:
                self._text(text, call, depth + 1)
        elif isinstance(value, ast.Attribute) and value.attr == "wording":
            pass  # another refusal's wording, raised again at this command's field
        elif (isinstance(value, ast.Call) and _called(value) == "translate"
              and len(value.args) > 1):
            self._text(value.args[1], call, depth)  # a page's text, translated on the spot
        elif not (isinstance(value, ast.Constant) and value.value is None):
            self.unwritable.add(Unwritable(ast.unparse(value), where))

    def _held(self, value: ast.expr, call: ast.Call) -> list[ast.expr] | None:
        """What a variable, a module function or a module dict gives, if ``value`` is one."""
        if isinstance(value, ast.Name):
            assigned = self._assigned(value.id, call)
            constant = self.constants.get(value.id)
            return assigned if assigned or constant is None else [constant]
        if (isinstance(value, ast.Call) and isinstance(value.func, ast.Name)
                and value.func.id in self.functions):
            return [node.value for node in ast.walk(self.functions[value.func.id])
                    if isinstance(node, ast.Return) and node.value is not None]
        if isinstance(value, ast.Subscript) and isinstance(value.value, ast.Name):
            table = self.constants.get(value.value.id)
            if isinstance(table, ast.Dict):
                return list(table.values)
        return None

    def _assigned(self, name: str, call: ast.Call) -> list[ast.expr] | None:
        """The values assigned to ``name`` in the function around ``call`` (None: a parameter)."""
        scope: ast.AST = call
        while scope in self.parents and not isinstance(scope, ast.FunctionDef):
            scope = self.parents[scope]
        values = [node.value for node in ast.walk(scope)
                  if isinstance(node, ast.Assign | ast.AnnAssign | ast.NamedExpr)
                  and node.value is not None
                  and any(isinstance(t, ast.Name) and t.id == name for t in _targets(node))]
        return values or None


def _called(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def _targets(node: ast.Assign | ast.AnnAssign | ast.NamedExpr) -> list[ast.expr]:
    return node.targets if isinstance(node, ast.Assign) else [node.target]


def _read_sources() -> tuple[list[Wording], list[Unwritable]]:
    errors = _error_classes()
    wordings = {Wording(error.template, f"{error.__module__}.{error.__name__}")
                for error in errors.values()
                if "template" in vars(error) and error.template
                and error.__module__.replace(".", "/").startswith(SCANNED)}
    unwritable: set[Unwritable] = set()
    for folder in SCANNED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            reader = _Reader(path.relative_to(ROOT).as_posix(), path.read_text("utf-8"), errors)
            wordings |= reader.wordings
            unwritable |= reader.unwritable
    return sorted(wordings, key=lambda w: w.where), sorted(unwritable, key=lambda u: u.where)


WORDINGS, UNWRITABLE = _read_sources()


def _placeholders(wording: str) -> set[str]:
    return {name for _text, name, _spec, _conversion in Formatter().parse(wording) if name}


def _russian(text: str) -> str:
    return str(getattr(catalog("ru").get(text), "string", "") or "")


def test_every_refusal_is_written_from_a_constant_wording() -> None:
    """An f-string (or any text built on the spot) cannot be found in the catalogue."""
    built = [f"{u.where}: {u.source}" for u in UNWRITABLE]
    assert not built, ("write these refusals as a constant wording with named facts"
                       f' (why="... {{name}} ...", name=value): {built}')


def test_every_refusal_wording_has_a_russian_translation() -> None:
    missing = sorted({w.text for w in WORDINGS if not _russian(w.text)})
    assert not missing, f"add these to api/web/locale/ru/errors.po: {missing}"


def test_a_translation_fills_no_placeholder_its_wording_lacks() -> None:
    """It may leave a fact out that the Russian sentence says otherwise, never invent one."""
    inventing = {w.text: _russian(w.text) for w in WORDINGS
                 if not _placeholders(_russian(w.text)) <= _placeholders(w.text)}
    assert not inventing, f"keep to the {{placeholders}} of these wordings: {inventing}"


def test_every_term_a_refusal_may_carry_is_translated() -> None:
    """Words of the ledger's vocabulary that reach a refusal's facts from a variable."""
    vocabularies: dict[str, tuple[Any, ...]] = {
        "component kinds": get_args(Component.model_fields["kind"].annotation),
        "subscription statuses": get_args(Subscription.model_fields["status"].annotation),
        "bank line statuses": tuple(BankPaymentStatus),
        "period units without an anchor day": tuple(
            unit for unit in PeriodUnit if not BillingPeriod(unit).months),
        "what a resumption settles": _resumption_actions(),
    }
    missing = {name: [str(t) for t in terms if not _russian(str(t))]
               for name, terms in vocabularies.items()}
    assert not any(missing.values()), f"add these to api/web/locale/ru/errors.po: {missing}"
    assert "plan change" in vocabularies["what a resumption settles"]


def _resumption_actions() -> tuple[str, ...]:
    """The actions callers of ``ensure_after_resumption`` name (the term of its refusal)."""
    return tuple(str(node.args[-1].value)
                 for path in (ROOT / "ledger").rglob("*.py")
                 for node in ast.walk(ast.parse(path.read_text("utf-8")))
                 if isinstance(node, ast.Call) and _called(node) == "ensure_after_resumption"
                 and isinstance(node.args[-1], ast.Constant))


def _read(source: str) -> _Reader:
    return _Reader("example.py", source, _error_classes())


def test_the_reader_finds_what_it_is_meant_to() -> None:
    """The scan can fail: it sees templates, ``why`` in every form, and an f-string."""
    texts = {w.text for w in WORDINGS}
    assert "no customer {customer}" in texts  # CustomerNotFound.template
    assert "a pause before the start" in texts  # why="..."
    assert "must name a host" in texts  # why = "..."; raise InvalidField(why=why)
    assert "the host is not a valid host name" in texts  # why = _host_problem(...)
    assert ("a {kind} component ({component!r}) takes a price, not tiers: no invoice would"
            " read the pricing given") in texts  # why=_UNUSED[unused]
    assert "charge" in texts  # DuplicateId(kind="charge"): a term of the refusal
    assert "invoice {number}: no act — {why}" in texts  # NoAct.template, an error of api/
    assert "no customer with external key {external_key!r}" in texts  # a module constant
    assert "The file is larger than {mb} MB." in texts  # translate(request, "...") on a page
    assert "malformed cursor" in texts  # projections/
    built = _read('def f(thing):\n    raise InvalidField(field="x", why=f"no {thing}")\n')
    assert [u.source for u in built.unwritable] == ["f'no {thing}'"]
    given = _read("def f(why):\n    raise InvalidField(why=why)\n")
    assert [u.source for u in given.unwritable] == ["why"]
