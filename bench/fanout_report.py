#!/usr/bin/env python3
"""Prints bench/fanout.sh's summary from its .jsonl results: Herald's figures
per N, transport, database and worker processes, the Node and Python
libraries', Herald's speed-up over each, the issue-5 goals, and on
PostgreSQL the scaling with worker processes (issue 7).

Usage: fanout_report.py RESULTS.jsonl
"""

import json
import sys

rows = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8") if line.strip()]
ecdh = next((r["ops_per_s"] for r in rows if r["kind"] == "ecdh"), None)
ecdh_us = 1e6 / ecdh if ecdh else float("nan")
sink = next((r for r in rows if r["kind"] == "sink"), {})
herald = [r for r in rows if r["kind"] == "herald"]
libs = [(f"{r['kind'] == 'node' and 'Node web-push' or 'pywebpush'} ({r['transport']})", r)
        for r in rows if r["kind"] in ("node", "python")]


def yardstick_us(r) -> float:
    """One ECDH in microseconds beside run `r`: the mean of the measurements
    just before and after it when the script made them, else the one at the
    start. A shared machine's speed drifts between runs; a run's ratio is
    only fair against the yardstick measured under the same conditions."""
    beside = [ops for ops in r.get("ecdh_ops_per_s", []) if ops]
    return 1e6 / (sum(beside) / len(beside)) if beside else ecdh_us


def fmt(v, spec=".1f"):
    return "-" if v is None else format(v, spec)


def where(r) -> str:
    """Where the run kept its data and who delivered: `sqlite`, or `postgres/P`
    for P `herald worker` processes."""
    if r.get("backend") == "postgres":
        return f"postgres/{r.get('processes', 0)}"
    return "sqlite"


print(f"one OpenSSL P-256 ECDH: {ecdh_us:.1f} us ({ecdh:.0f}/s); sink alone: "
      f"{fmt(sink.get('http_rps'), '.0f')} req/s HTTP/1.1, {fmt(sink.get('tls_h2_rps'), '.0f')} req/s HTTP/2+TLS")
print()
head = f"{'N':>9} {'transport':<9} {'database':<12} {'delivered':>9} {'wall s':>7} {'msg/s':>8} {'CPU ms/1k':>9} {'ECDH us':>7} {'ECDH-eq':>7} {'RSS MB':>7} {'first ms':>8} {'(commit)':>8} {'sink CPU/1k':>11}"
print("Herald")
print(head)
for r in herald:
    x = r["result"]
    eq = x.get("cpu_us_per_msg") / yardstick_us(r) if x.get("cpu_us_per_msg") else None
    sink_1k = x["sink_cpu_s"] * 1e6 / x["delivered"] if x.get("delivered") else None
    print(f"{r['n']:>9} {r['transport']:<9} {where(r):<12} {fmt(x.get('delivered'), 'd'):>9} {fmt(x.get('wall_s'), '.2f'):>7} "
          f"{fmt(x.get('msgs_per_s'), '.0f'):>8} {fmt(x.get('cpu_ms_per_1000')):>9} {yardstick_us(r):>7.1f} {fmt(eq, '.2f'):>7} "
          f"{fmt(x.get('peak_rss_mb')):>7} {fmt(x.get('first_notification_ms')):>8} {fmt(x.get('first_after_commit_ms')):>8} "
          f"{fmt(sink_1k):>11}" + ("" if x.get("ok") else f"   NOT COMPLETE: {x.get('error')}"))
print()
print("Libraries (same sink, same payload)" + ("" if libs else ": skipped (COMPARE=no)"))
if libs:
    print(f"{'library':<26} {'messages':>8} {'delivered':>9} {'wall s':>7} {'msg/s':>8} {'CPU ms/1k':>9} {'ECDH us':>7} {'ECDH-eq':>7} {'RSS MB':>7}")
lib_cost = {}
for name, r in libs:
    x = r["result"]
    if x.get("delivered"):
        cpu_us = x["cpu_s"] * 1e6 / x["delivered"]
        rate = x["delivered"] / x["wall_s"]
        lib_cost[name] = (cpu_us, rate, cpu_us / yardstick_us(r))
        print(f"{name:<26} {x['messages']:>8} {x['delivered']:>9} {x['wall_s']:>7.2f} {rate:>8.0f} {cpu_us:>9.1f} "
              f"{yardstick_us(r):>7.1f} {cpu_us / yardstick_us(r):>7.2f} {x['peak_rss_mb']:>7.1f}" + (f"  failed {x['failed']}: {x.get('first_error')}" if x.get("failed") else ""))
    else:
        print(f"{name:<26} failed: {x.get('first_error') or x.get('error')}")
if lib_cost:
    print()
    print("Herald's speed-up: library CPU per message / Herald's, each in ECDH-equivalents beside its own run")
    print("(in parentheses: in raw CPU time, and wall rate Herald / library)")
    for r in herald:
        x = r["result"]
        if not x.get("cpu_us_per_msg"):
            continue
        eq = x["cpu_us_per_msg"] / yardstick_us(r)
        parts = [f"{name}: {lib_eq / eq:.1f}x ({c / x['cpu_us_per_msg']:.1f}x CPU, {x['msgs_per_s'] / rate:.1f}x rate)"
                 for name, (c, rate, lib_eq) in lib_cost.items()]
        print(f"  N={r['n']} {r['transport']} {where(r)}: " + "; ".join(parts))
print()
print("Goals (issue 5)")
for r in herald:
    x = r["result"]
    if not x.get("cpu_us_per_msg"):
        print(f"  N={r['n']} {r['transport']} {where(r)}: no result")
        continue
    eq = x["cpu_us_per_msg"] / yardstick_us(r)
    first = x.get("first_notification_ms")
    verdict = lambda ok: "met" if ok else "NOT met"  # noqa: E731
    line = (f"  N={r['n']} {r['transport']} {where(r)}: CPU {eq:.2f} ECDH-eq/msg (<= 2.5: {verdict(eq <= 2.5)}); "
            f"first notification {fmt(first)} ms after publish (<= 100: {verdict(first is not None and first <= 100)})")
    if r["n"] >= 1_000_000:
        line += f"; peak RSS {x['peak_rss_mb']:.0f} MB (< 200: {verdict(x['peak_rss_mb'] < 200)})"
    print(line)

postgres = [r for r in herald if r.get("backend") == "postgres" and r["result"].get("msgs_per_s")]
if postgres:
    print()
    print("PostgreSQL: scaling with `herald worker` processes (rate / rate with the fewest processes)")
    for n in sorted({r["n"] for r in postgres}):
        for transport in sorted({r["transport"] for r in postgres if r["n"] == n}):
            runs = sorted((r for r in postgres if r["n"] == n and r["transport"] == transport),
                          key=lambda r: r["processes"])
            base = runs[0]
            parts = [f"{r['processes']} process(es): {r['result']['msgs_per_s']:.0f} msg/s "
                     f"({r['result']['msgs_per_s'] / base['result']['msgs_per_s']:.2f}x)" for r in runs]
            print(f"  N={n} {transport}: " + "; ".join(parts))
