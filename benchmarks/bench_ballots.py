"""Ballots cast per second and p50/p99 latency with 100 concurrent voters, against the same app's
bare INSERT — now one part of ``benchmarks.run_all`` (gunicorn 2 workers, the load generator in
its own process). Run: ``.venv/bin/python -m benchmarks.bench_ballots [--quick] [--databases …]``.
"""

from __future__ import annotations

import sys

from benchmarks.run_all import main

if __name__ == "__main__":
    sys.exit(main(["--only", "ballots", *sys.argv[1:]]))
