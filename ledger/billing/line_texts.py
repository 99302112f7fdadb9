"""The descriptions the bill run writes on recurring, usage and minimum lines: one template each.

Why templates (:class:`ledger.system_texts.SystemText`) and not f-strings: invoices keep
these texts in English forever, while a Russian счёт or акт must print them in Russian
(and with the period's last day, not the exclusive end the ledger counts with). Documents
recognise a description by the very template that wrote it (``api/documents/line_texts.py``),
so writer and reader cannot drift apart; a text no template knows (a one-off charge a
person described) is printed as typed. The written text is exactly what the f-strings
wrote, so stored invoices read the same.
"""

from __future__ import annotations

from ledger.system_texts import ISO_DATE, SystemText

_PERIOD = {"start": ISO_DATE, "end": ISO_DATE}

FEE_LINE = SystemText("{plan}: {component} {start} → {end}", _PERIOD)
"""A flat or seat fee, or a usage charge, for the days ``[start, end)``."""
FEE_CREDIT_LINE = SystemText(
    "{plan}: {component} {start} → {end}, unused after the end of service", _PERIOD)
"""The credit of days billed in advance beyond the end of service (a cancellation, a pause)."""
MINIMUM_LINE = SystemText("{plan}: minimum charge {start} → {end}", _PERIOD)
"""The shortfall up to a tariff's minimum charge."""
LATE_USAGE_LINE = SystemText(
    "{plan}: {component} {start} → {end}, late usage correction", _PERIOD)
"""Usage of an already invoiced period, recorded after its invoice."""
