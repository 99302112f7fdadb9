"""The pieces of a bank statement line that its aggregate, ``ledger.banking``, is built from.

``ledger.banking`` keeps the ``BankPayment`` aggregate and its events (their module path is
the topic every stored event of a line is filed under, so they stay where they were
recorded) and re-exports everything here; import from ``ledger.banking``. One job per
module:

- ``identity``: the ids and reference a line is known by, derived from its dedup key;
- ``classification``: whether a line is a customer payment under the current settings;
- ``state``: the bank's facts about a line, its status and the aggregate's state;
- ``outcome``: where a classified and matched line stands, as its events record it;
- ``errors``: the refusals of resolving, linking and dismissing a line.
"""
