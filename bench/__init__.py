"""`make bench`: the NF-4 benchmark on a database of 1,000,000 customers (200,000 in one reseller).

    make bench                          # build the data the first time (~10 min), then reuse it (~2 min)
    .venv/bin/python -m bench --rebuild # recreate the data
    .venv/bin/python -m bench --quick   # fewer repetitions, for a smoke run
    .venv/bin/python -m bench --only sort=   # only the list variants whose label contains "sort="

It uses a PostgreSQL database of its own (`console_bench`, or BENCH_DATABASE_URL), never the
development one; `--quick` and the job stage's reference run use 1 % of the data in another
(`console_bench_scaled`, or BENCH_SCALED_DATABASE_URL), built on first use.
The data are deterministic (seeded) and dated relative to a fixed day, and the
benchmark runs with the application's clock moved to that day (time-machine, the same way the tests
move it), so every run sees the same rows in the same filters and the numbers compare between runs.

Results: bench/results/<timestamp>.json and bench/results/latest.json, and a table on stdout.
"""
