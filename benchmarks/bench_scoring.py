"""Agreed-score saves per second by 8 concurrent editors and the meeting sheet's load time, against
the same app's bare INSERT and a one-SELECT plain table — now one part of ``benchmarks.run_all``
(gunicorn 2 workers, the load generator in its own process).
Run: ``.venv/bin/python -m benchmarks.bench_scoring [--quick] [--databases …]``.
"""

from __future__ import annotations

import sys

from benchmarks.run_all import main

if __name__ == "__main__":
    sys.exit(main(["--only", "scoring", *sys.argv[1:]]))
