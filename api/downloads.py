"""File downloads over HTTP: the Content-Disposition header, shared by ``/v1`` and the workspace.

A file name may hold any character a customer's key or an invoice number admits (Cyrillic
included), while Starlette writes headers as latin-1. RFC 6266 answers both: an ASCII
``filename=`` for old clients and a UTF-8 ``filename*=`` for everyone else. Every download
builds its header here, so no route can write a raw name and crash on «КЛ-17».
"""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import quote

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def attachment(filename: str, disposition: Literal["attachment", "inline"] = "attachment",
               ) -> dict[str, str]:
    """A Content-Disposition header that survives any characters in the name (RFC 6266).

    Args:
        filename: the name the reader's browser should save the file under.
        disposition: ``inline`` for a document the browser may show itself (a PDF).
    """
    ascii_name = _UNSAFE.sub("_", filename)
    return {"Content-Disposition":
            f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"}
