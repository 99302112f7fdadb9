"""What a handler needs from the outside world: the ledger, a clock, a few settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ledger.errors import NotFound, TariffNotFound
from ledger.tariffs import Tariff, tariff_id_for

if TYPE_CHECKING:
    from ledger.application import Ledger
    from ledger.clock import Clock
    from ledger.tariffs import TariffDefinition


@dataclass(frozen=True)
class Runtime:
    """The ledger to load from and save to, the clock that says when, document settings."""

    ledger: Ledger
    clock: Clock
    invoice_prefix: str = "LBX"
    _definitions: dict[tuple[str, int], TariffDefinition] = field(default_factory=dict)

    def latest_version(self, code: str) -> int:
        """The newest published version of a tariff (read now: new versions appear).

        Raises:
            TariffNotFound: no such tariff.
        """
        try:
            self.ledger.forget(tariff_id_for(code))
            tariff = self.ledger.load(tariff_id_for(code), Tariff)
        except NotFound:
            raise TariffNotFound(code=code, version_text="") from None
        return tariff.state.latest

    def definition(self, code: str, version: int) -> TariffDefinition:
        """A published tariff version (versions never change, so they are cached for good).

        A version this process has not seen is read from the store before it is refused:
        another process (a second instance, ``lbx tariffs import``) may have published it.

        Raises:
            TariffNotFound: no such tariff or version.
        """
        key = (code, version)
        if key not in self._definitions:
            try:
                tariff = self.ledger.load(tariff_id_for(code), Tariff)
                if version not in tariff.state.versions:  # published by another process?
                    self.ledger.forget(tariff_id_for(code))
                    tariff = self.ledger.load(tariff_id_for(code), Tariff)
            except NotFound:
                raise TariffNotFound(code=code, version_text="") from None
            self._definitions[key] = tariff.definition_of(version)[1]
        return self._definitions[key]
