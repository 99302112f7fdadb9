"""Bytes of a 1CClientBankExchange file into text lines, whatever the exporter did to them.

The keys are Cyrillic but the magic first line is ASCII, so the header cannot name the
codec before we have one. We decode the whole file with each candidate (cp1251, cp866,
UTF-8), keep the one under which the most lines start with a known key, then decode
line by line so that one odd line (the ``to_bank`` sample ends with a UTF-8 ``КонецФайла``
inside a cp1251 file) reads correctly instead of as mojibake. Line endings may be CRLF
(the standard), LF, or both in one file. Every deviation is reported as a warning.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.bankfiles.homoglyphs import to_cyrillic

MAGIC = "1CClientBankExchange"
UTF8_BOM = b"\xef\xbb\xbf"
CODECS = ("cp1251", "cp866", "utf-8")
DECLARED_CODECS = {"windows": "cp1251", "dos": "cp866"}
_MARKER_KEYS = frozenset(
    {
        "ВерсияФормата",
        "Кодировка",
        "Отправитель",
        "СекцияРасчСчет",
        "СекцияДокумент",
        "КонецДокумента",
        "КонецФайла",
        "Номер",
        "Дата",
        "Сумма",
    }
)
_LISTED_LINES = 12


@dataclass(frozen=True, slots=True)
class DecodedText:
    """The file as text lines (line N is ``lines[N - 1]``), with what decoding noticed."""

    lines: tuple[str, ...]
    encoding: str
    warnings: tuple[str, ...]


def line_list(numbers: list[int]) -> str:
    """Name line numbers for a warning: ``line 3``, ``lines 3, 7, 9`` or ``... and 5 more``."""
    shown = ", ".join(str(n) for n in numbers[:_LISTED_LINES])
    rest = len(numbers) - _LISTED_LINES
    more = f" and {rest} more" if rest > 0 else ""
    return f"line {shown}" if len(numbers) == 1 else f"lines {shown}{more}"


def decode_lines(data: bytes) -> DecodedText:
    """Split and decode 1C bytes; never fails, but says what it had to guess."""
    warnings: list[str] = []
    has_bom = data.startswith(UTF8_BOM)
    if has_bom:
        data = data.removeprefix(UTF8_BOM)
        warnings.append("line 1: the file starts with a UTF-8 byte-order mark")
    raw_lines, ending_warning = _split_lines(data)
    encoding = "utf-8" if has_bom else _guess_codec(raw_lines)
    lines, decoding_warnings = _decode_each(raw_lines, encoding)
    warnings.extend(decoding_warnings)
    if ending_warning:
        warnings.append(ending_warning)
    warnings.extend(_declared_codec_warnings(lines, encoding))
    return DecodedText(lines=tuple(lines), encoding=encoding, warnings=tuple(warnings))


def _split_lines(data: bytes) -> tuple[list[bytes], str | None]:
    if b"\n" not in data and b"\r" in data:
        pieces = data.split(b"\r")
        if not pieces[-1]:
            pieces.pop()
        return pieces, "line endings are bare CR, not CRLF as the standard says"
    pieces = data.split(b"\n")
    terminated, last = pieces[:-1], pieces[-1]
    crlf = [n for n, piece in enumerate(terminated, 1) if piece.endswith(b"\r")]
    lf = [n for n, piece in enumerate(terminated, 1) if not piece.endswith(b"\r")]
    lines = [piece.removesuffix(b"\r") for piece in terminated]
    if last:
        lines.append(last.removesuffix(b"\r"))
    if crlf and lf:
        few, few_kind, many, many_kind = (
            (lf, "LF", crlf, "CRLF") if len(lf) <= len(crlf) else (crlf, "CRLF", lf, "LF")
        )
        return lines, (
            f"mixed line endings: {line_list(few)} end in {few_kind},"
            f" the other {len(many)} in {many_kind}"
        )
    if lf:
        return lines, "line endings are LF, not CRLF as the standard says"
    return lines, None


def _key_of(line: str) -> str:
    return to_cyrillic(line.split("=", 1)[0].strip())


def _guess_codec(raw_lines: list[bytes]) -> str:
    def score(codec: str) -> int:
        return sum(
            _key_of(raw.decode(codec, errors="replace")) in _MARKER_KEYS for raw in raw_lines
        )

    return max(CODECS, key=score)  # max() keeps the first of equal scores: cp1251


def _decode_each(raw_lines: list[bytes], encoding: str) -> tuple[list[str], list[str]]:
    lines: list[str] = []
    utf8_inside: list[int] = []
    warnings: list[str] = []
    for number, raw in enumerate(raw_lines, 1):
        if encoding != "utf-8" and not raw.isascii():
            try:
                lines.append(raw.decode("utf-8"))
                utf8_inside.append(number)
                continue
            except UnicodeDecodeError:
                pass
        for codec in (encoding, *(c for c in CODECS if c != encoding)):
            try:
                lines.append(raw.decode(codec))
            except UnicodeDecodeError:
                continue
            if codec != encoding:
                warnings.append(f"line {number}: not valid {encoding}, decoded as {codec}")
            break
        else:  # pragma: no cover - cp866 decodes every byte, so this is a safety net
            lines.append(raw.decode(encoding, errors="replace"))
            warnings.append(f"line {number}: undecodable bytes replaced")
    if utf8_inside:
        warnings.insert(
            0, f"{line_list(utf8_inside)}: UTF-8 text inside a {encoding} file, read as UTF-8"
        )
    return lines, warnings


def _declared_codec_warnings(lines: list[str], encoding: str) -> list[str]:
    for number, line in enumerate(lines, 1):
        if _key_of(line) != "Кодировка" or "=" not in line:
            continue
        declared = line.split("=", 1)[1].strip()
        codec = DECLARED_CODECS.get(declared.casefold())
        if codec is None:
            return [
                (
                    f"line {number}: unknown Кодировка {declared!r} (expected Windows or DOS);"
                    f" the text reads as {encoding}"
                )
            ]
        if codec != encoding:
            return [
                f"line {number}: Кодировка={declared} declares {codec}, but the text is {encoding}"
            ]
        return []
    return [f"the header has no Кодировка; the text reads as {encoding}"]
