"""LBX's benchmark harness: how fast the ledger writes, projects and replays on PostgreSQL.

Every LBX figure is printed beside a raw psycopg baseline measured in the same run against
the same server, because absolute numbers say more about the machine than about LBX; the
ratio is what a change to the ledger can move. Benchmarks print; they never fail a suite.

- ``run``: the command line; ``suite``: the default scenarios; ``scenarios``: LBX workloads;
  ``raw``: the psycopg baselines; ``interleave``: alternating rounds; ``results``: the table;
  ``db``: the throw-away database; ``billrun``: issue 3's bill run (in a child process).
- ``--what-if`` only: ``whatif`` (diagnosis tables), ``variants`` (other ledger settings,
  applied from outside), ``shapes`` (one save's transaction piece by piece), ``phases``
  (where a command's or a cold load's time goes), ``billprofile`` (where a bill run's time
  goes, and what other batch sizes, per-customer loads or the collector change).
"""
