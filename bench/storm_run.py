"""A storm of readers (issue 20): N new connections opened at the same
moment, each asking for one page (HTTP/1.1, Connection: close), as readers
arriving from a notification or a link do.

Prints one JSON line: the kernel's listen-queue overflows during the storm
(TcpExt ListenOverflows and ListenDrops of /proc/net/netstat, machine-wide:
each is a handshake dropped and retried by the client a second later),
connects (how long each took as this client saw it, event-loop delays
included: p50, p99, max, and how many took over 900 ms), answers (status counts, p50/p99/max time to the
whole answer), and, with --metrics-token, how many pages Herald rendered
during the storm (herald_pages_renders_total before and after).

Usage: python3 storm_run.py BASE_URL PATH[,PATH...] CONNECTIONS [--metrics-token T]
"""

import argparse
import asyncio
import json
import time
import urllib.parse
import urllib.request


def listen_drops():
    """TcpExt ListenOverflows + ListenDrops, machine-wide (None off Linux)."""
    try:
        with open("/proc/net/netstat") as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    for names, values in zip(lines[::2], lines[1::2]):
        if names.startswith("TcpExt:"):
            table = dict(zip(names.split()[1:], map(int, values.split()[1:])))
            return table.get("ListenOverflows", 0) + table.get("ListenDrops", 0)
    return None


def renders(base, token):
    if not token:
        return None
    request = urllib.request.Request(base + "/metrics", headers={"Authorization": "Bearer " + token})
    with urllib.request.urlopen(request, timeout=10) as answer:
        for line in answer.read().decode().splitlines():
            if line.startswith("herald_pages_renders_total "):
                return float(line.split()[1])
    return None


async def one(host, port, path, start):
    await start.wait()
    began = time.perf_counter()
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 30)
    except (OSError, asyncio.TimeoutError) as e:
        return {"connect": None, "total": None, "status": type(e).__name__}
    connected = time.perf_counter()
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n".encode())
    await writer.drain()
    status_line = await reader.readline()
    await reader.read()
    writer.close()
    done = time.perf_counter()
    status = status_line.split()[1].decode() if len(status_line.split()) > 1 else "?"
    return {"connect": connected - began, "total": done - began, "status": status}


def quantile(values, q):
    values = sorted(values)
    if not values:
        return None
    return round(1000 * values[min(len(values) - 1, int(q * len(values)))], 2)


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("paths")
    parser.add_argument("connections", type=int)
    parser.add_argument("--metrics-token", default="")
    args = parser.parse_args()
    url = urllib.parse.urlsplit(args.base)
    paths = args.paths.split(",")
    before = renders(args.base, args.metrics_token)
    drops_before = listen_drops()
    start = asyncio.Event()
    tasks = [
        asyncio.create_task(one(url.hostname, url.port, paths[n % len(paths)], start))
        for n in range(args.connections)
    ]
    await asyncio.sleep(0.1)
    began = time.perf_counter()
    start.set()
    results = await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - began
    drops_after = listen_drops()
    after = renders(args.base, args.metrics_token)
    connects = [r["connect"] for r in results if r["connect"] is not None]
    totals = [r["total"] for r in results if r["total"] is not None]
    statuses = {}
    for r in results:
        statuses[r["status"]] = statuses.get(r["status"], 0) + 1
    print(json.dumps({
        "connections": args.connections,
        "paths": paths,
        "seconds": round(elapsed, 3),
        "listen_drops": None if drops_before is None else drops_after - drops_before,
        "connect_ms": {"p50": quantile(connects, 0.5), "p99": quantile(connects, 0.99),
                       "max": quantile(connects, 1.0),
                       "over_900ms": sum(1 for c in connects if c > 0.9)},
        "answer_ms": {"p50": quantile(totals, 0.5), "p99": quantile(totals, 0.99),
                      "max": quantile(totals, 1.0)},
        "statuses": statuses,
        "renders": None if before is None or after is None else after - before,
    }))


if __name__ == "__main__":
    asyncio.run(main())
