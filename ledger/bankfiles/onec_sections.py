"""Text lines of a 1CClientBankExchange file into its header and sections.

A small state machine, one pass: header keys until a section opens; ``СекцияРасчСчет`` …
``КонецРасчСчет`` and ``СекцияДокумент`` … ``КонецДокумента`` sections; ``КонецФайла``.
The standard orders these strictly, real files do not (header keys after a section, a
second ``КонецДокумента``), so only the section markers matter. Keys are cleaned of Latin
look-alike letters, values of trailing spaces and TABs; an empty value means "absent".

A file cut off inside a section is refused: we cannot tell how much of that document,
or how many documents after it, are missing. A file that merely lacks ``КонецФайла``
after a closed section is read, with a warning.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ledger.bankfiles.errors import UnreadableStatement
from ledger.bankfiles.homoglyphs import has_cyrillic, to_cyrillic
from ledger.bankfiles.onec_text import MAGIC, line_list

if TYPE_CHECKING:
    from collections.abc import Callable

ACCOUNT_SECTION = "СекцияРасчСчет"
DOCUMENT_SECTION = "СекцияДокумент"


@dataclass(slots=True)
class Section:
    """One ``СекцияРасчСчет`` or ``СекцияДокумент``: its fields with their line numbers."""

    marker: str
    kind: str | None
    start: int
    fields: dict[str, tuple[int, str]] = field(default_factory=dict)
    raw: list[str] = field(default_factory=list)

    def get(self, key: str) -> str | None:
        """The value of a key, or ``None`` when the key is missing or empty."""
        found = self.fields.get(key)
        return found[1] if found else None

    def line_of(self, key: str) -> int:
        """The line a key stands on, or the section's first line when it is missing."""
        found = self.fields.get(key)
        return found[0] if found else self.start


@dataclass(slots=True)
class Sections:
    """Everything the state machine collected, in file order."""

    header: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    accounts: list[Section] = field(default_factory=list)
    documents: list[Section] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class _Reader:
    def __init__(self) -> None:
        self.out = Sections()
        self.open: Section | None = None
        self.ended_at: int | None = None
        self.raw_line = ""
        self.noted: dict[str, list[int]] = {
            "TAB": [],
            "space": [],
            "blank": [],
            "after_end": [],
        }
        self.markers: dict[str, Callable[[int, str | None], None]] = {
            ACCOUNT_SECTION: self.open_section,
            DOCUMENT_SECTION: self.open_section,
            "КонецРасчСчет": self.close_section,
            "КонецДокумента": self.close_section,
            "КонецФайла": self.end_file,
        }
        self.marker = ""

    def feed(self, number: int, line: str) -> None:
        self.raw_line = line
        text = line.rstrip(" \t")
        if text != line:
            self.noted["TAB" if "\t" in line[len(text) :] else "space"].append(number)
        if not text.strip():
            self.noted["blank"].append(number)
            return
        if self.ended_at is not None:
            self.noted["after_end"].append(number)
            return
        key, value = self.split(number, text)
        if key in self.markers:
            self.marker = key
            self.markers[key](number, value)
        else:
            self.add_field(number, key, value)

    def split(self, number: int, text: str) -> tuple[str, str | None]:
        key, has_value, value = text.partition("=")
        key = key.strip()
        if has_cyrillic(key) and (folded := to_cyrillic(key)) != key:
            self.out.warnings.append(
                f"line {number}: key {key!r} has Latin look-alike letters, read as {folded!r}"
            )
            key = folded
        return key, value.strip() if has_value else None

    def add_field(self, number: int, key: str, value: str | None) -> None:
        if self.open is not None:
            self.open.raw.append(self.raw_line)
        if value is None:
            self.out.warnings.append(
                f"line {number}: {key!r} is neither key=value nor a section marker; ignored"
            )
            return
        if not value:  # an empty value means "absent"
            return
        if self.open is None:
            self.out.header.setdefault(key, []).append((number, value))
            return
        if key in self.open.fields:
            self.out.warnings.append(
                f"line {number}: {key} repeats within the section from line"
                f" {self.open.start}; the later value is kept"
            )
        self.open.fields[key] = (number, value)

    def open_section(self, number: int, value: str | None) -> None:
        if self.open is not None:
            self.out.warnings.append(
                f"line {number}: {self.marker} opens before the section from line"
                f" {self.open.start} was closed; that section ends here"
            )
            self.store(self.open)
        self.open = Section(
            marker=self.marker, kind=value or None, start=number, raw=[self.raw_line]
        )

    def close_section(self, number: int, _value: str | None) -> None:
        if self.open is None:
            self.out.warnings.append(
                f"line {number}: {self.marker} outside a section ignored (a duplicate?)"
            )
            return
        expected = "КонецРасчСчет" if self.open.marker == ACCOUNT_SECTION else "КонецДокумента"
        if self.marker != expected:
            self.out.warnings.append(
                f"line {number}: {self.marker} closes the {self.open.marker} from line"
                f" {self.open.start}"
            )
        self.open.raw.append(self.raw_line)
        self.store(self.open)

    def end_file(self, number: int, _value: str | None) -> None:
        if self.open is not None:
            self.out.warnings.append(
                f"line {number}: КонецФайла inside the section from line {self.open.start};"
                " that section ends here"
            )
            self.store(self.open)
        self.ended_at = number

    def store(self, section: Section) -> None:
        target = self.out.accounts if section.marker == ACCOUNT_SECTION else self.out.documents
        target.append(section)
        self.open = None

    def finish(self, last_line: int) -> Sections:
        if self.open is not None:
            raise UnreadableStatement(
                why="the file is cut off inside the {marker} that starts at line {line}: it"
                " has no end marker and there is no КонецФайла",
                marker=self.open.marker, line=self.open.start,
            )
        if self.ended_at is None:
            self.out.warnings.append(f"the file ends at line {last_line} without КонецФайла")
        messages = {
            "TAB": "trailing TABs stripped",
            "space": "trailing spaces stripped",
            "blank": "blank lines ignored",
            "after_end": "text after КонецФайла ignored",
        }
        for kind, message in messages.items():
            if numbers := self.noted[kind]:
                self.out.warnings.append(f"{line_list(numbers)}: {message}")
        return self.out


def read_sections(lines: tuple[str, ...]) -> Sections:
    """Collect header keys and sections from decoded lines; line 1 must be the magic line.

    Raises:
        UnreadableStatement: no magic line, or the file is cut off inside a section.
    """
    first = next((n for n, line in enumerate(lines) if line.strip()), len(lines))
    if first == len(lines) or lines[first].strip() != MAGIC:
        raise UnreadableStatement(why="a 1C exchange file must start with {magic}", magic=MAGIC)
    reader = _Reader()
    if first:
        reader.out.warnings.append(f"{line_list(list(range(1, first + 1)))}: blank before {MAGIC}")
    for number, line in enumerate(lines[first + 1 :], first + 2):
        reader.feed(number, line)
    return reader.finish(len(lines))
