#!/usr/bin/env python3
"""Times a fixed set of searches against a running Herald (bench/search.sh).

    search_run.py BASE_URL ROUNDS LABEL

Sends every query of QUERIES to GET /api/v1/search, ROUNDS times, one at a
time over one keep-alive connection (so the figure is one reader's wait:
HTTP on loopback, Herald's handler, the database's count (up to 1,000),
the ranking, the page and its snippets), after one warm-up round. Prints, per
query, the matches and p50, then p50 and p99 over every request.
"""

import http.client
import json
import statistics
import sys
import time
import urllib.parse

# (what it exercises, query string). Words are from bench/search_seed.py's
# vocabulary: common ones match tens of thousands of stories, the made-up
# names a handful.
QUERIES = [
    ("common word", "q=government"),
    ("common word, stemmed", "q=flooding"),
    ("two common words", "q=police+report"),
    ("three words", "q=council+budget+school"),
    ("phrase", "q=%22police+said%22"),
    ("phrase and word", "q=%22prime+minister%22+election"),
    ("mid-frequency word", "q=harbour"),
    ("rare word", "q=kalonerd"),
    ("made-up name", "q=stovelar"),
    ("no match", "q=zzyzzyx"),
    ("stop word", "q=the"),
    ("common word, topic", "q=government&topic=science"),
    ("common word, page 5", "q=government&page=5"),
    ("operators as words", "q=NEAR%28police+AND+report%29+-*"),
    ("long query", "q=" + "+".join(["storm", "flood", "river", "council", "mayor", "rain", "emergency", "homes"])),
]


def percentile(values, p):
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, int(round(p / 100 * len(ordered) + 0.5)) - 1))
    return ordered[rank]


def main():
    base, rounds, label = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)

    def get(query):
        start = time.perf_counter()
        conn.request("GET", "/api/v1/search?" + query)
        response = conn.getresponse()
        body = response.read()
        elapsed = (time.perf_counter() - start) * 1000
        if response.status != 200:
            raise SystemExit(f"{query}: HTTP {response.status}: {body[:200]!r}")
        return elapsed, json.loads(body)

    matches = {}
    for _, query in QUERIES:  # warm-up round
        _, body = get(query)
        matches[query] = body["total"]
    times = {query: [] for _, query in QUERIES}
    for _ in range(rounds):
        for _, query in QUERIES:
            elapsed, _ = get(query)
            times[query].append(elapsed)

    print(f"\n{label}: {rounds} rounds of {len(QUERIES)} queries")
    print(f"  {'query':<26} {'matches':>8} {'p50 ms':>8} {'max ms':>8}")
    for what, query in QUERIES:
        t = times[query]
        print(f"  {what:<26} {matches[query]:>8} {statistics.median(t):>8.2f} {max(t):>8.2f}")
    every = [t for ts in times.values() for t in ts]
    p50, p99, top = percentile(every, 50), percentile(every, 99), max(every)
    print(f"  all {len(every)} requests: p50 {p50:.2f} ms, p99 {p99:.2f} ms, max {top:.2f} ms")
    print(f"RESULT {label} p50_ms={p50:.2f} max_ms={top:.2f} p99_ms={p99:.2f}")


if __name__ == "__main__":
    main()
