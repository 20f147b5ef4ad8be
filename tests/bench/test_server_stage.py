"""The bench's real-server stage reads wrk's report; a misread would put wrong figures in latest.json."""

from __future__ import annotations

import pytest

from bench.server import PAGES, parse_wrk, server_env

WRK_OUTPUT = """Running 15s test @ http://127.0.0.1:8300/customers/
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   112.31ms   40.12ms 718.00ms   80.00%
    Req/Sec    71.20     12.11   100.00     70.00%
  Latency Distribution
     50%  104.50ms
     75%  130.00ms
     90%  160.20ms
     99%    1.20s
  2139 requests in 15.02s, 52.10MB read
  Socket errors: connect 0, read 0, write 0, timeout 7
  Non-2xx or 3xx responses: 3
Requests/sec:    142.41
Transfer/sec:      3.47MB
"""


def test_parse_wrk_reads_rate_percentiles_and_errors() -> None:
    parsed = parse_wrk(WRK_OUTPUT)
    assert parsed["requests_per_s"] == 142.41
    assert parsed["requests"] == 2139
    assert parsed["p50_ms"] == 104.5
    assert parsed["p90_ms"] == 160.2
    assert parsed["p99_ms"] == 1200.0
    assert parsed["non_2xx"] == 3
    assert parsed["socket_errors"] == 0 and parsed["timeouts"] == 7  # slow answers, not failures


def test_parse_wrk_refuses_output_it_cannot_read() -> None:
    with pytest.raises(RuntimeError, match="could not read"):
        parse_wrk("unable to connect to 127.0.0.1:8300 Connection refused")


def test_server_runs_the_production_settings_and_measures_every_page() -> None:
    env = server_env("x" * 60)
    assert env["DJANGO_SETTINGS_MODULE"] == "console.settings.production"
    assert env["DEBUG"] == "0"
    assert {p.key for p in PAGES} >= {"sign_in", "list_all", "list_search", "home", "renewals"}
    assert sum(p.path == "/customers/" and "filter" in p.params for p in PAGES) >= 2
