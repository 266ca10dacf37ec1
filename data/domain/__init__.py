"""The domain layer: the vocabulary every other layer speaks, below both ``data/`` and ``metrics/``.

``data/`` may not import ``metrics/``, yet the warehouse stores pupil sums under period codes
the engine asks for, the demo and the importer write school years, and the engine and the pages
name absence bands. So the rules live here, once:

* ``periods``: the period model (month, term, school year, calendar year, range), its codes
  ('2024-09', 'HT2024', '2024/25', '2024', '2025-07-01..2025-11-30') and Swedish labels. The
  code string is the contract between the stored ``pupil_periods`` and the engine.
* ``absence``: the absence bands with their bounds, their labels and the SQL that assigns them.

Nothing here imports another layer of the product.
"""
