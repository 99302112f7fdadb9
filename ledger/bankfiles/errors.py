"""The one error this package raises on purpose: the bytes are not a statement we can read.

Everything short of that (a typo in a header, a document we had to skip, a balance that
does not add up) becomes a warning on the ``Statement`` instead, because a lenient reader
that reports what it saw is more useful to an accountant than a strict one that refuses
a whole day's bank export over one odd line.
"""

from __future__ import annotations

from ledger.errors import Rejected


class UnreadableStatement(Rejected):
    """Raised when uploaded bytes are not a bank statement, or are too damaged to trust.

    Covers empty and binary input, unknown formats, truncated XML, and a 1C file cut off
    inside a document (where we cannot tell how much is missing).
    """

    title = "Unreadable bank statement"
    field = "file"

    template = "{why}"
