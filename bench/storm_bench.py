#!/usr/bin/env python3
"""Pages and a fan-out at once (issue 20), for bench/storm.sh: one running
`herald serve` with its delivery workers, N subscribers at a local push
sink, and page load on a story page, the home page and a topic page.

  (a) the pages alone: closed loop, `wrk` with CONNECTIONS connections;
  (b) a fan-out alone: a story published in the subscribers' topic
      through the admin API, as the newsroom publishes (the server hears of
      its own write at once and drops only the pages it touched), followed
      to its last message;
  (c) the click storm: the same fan-out, with an open-loop page load
      (`h2load --h1 --rps`) at FRACTION of (a)'s rate started the moment
      the story is published (its page, the home page, the topic page),
      kept up past the fan-out's end;
  (d) the same fan-out under a saturating closed-loop `wrk` (the pages of
      (a)), stopped once the fan-out is over.

Prints one JSON object: for (a), (c), (d) page requests/s, p50/p99/max
latency and errors; for (b), (c), (d) the fan-out's duration, messages/s
and Herald's CPU per message in P-256 ECDH operations (ECDH_OPS, measured
by the caller in the same run) -- in (c) and (d) net of the pages served
meanwhile, each charged (a)'s CPU per page; pages rendered during (c)
(`herald_pages_renders_total`).

Usage: storm_bench.py BASE HERALD_PID DATA TOKEN ECDH_OPS WORK API_TOKEN

(TOKEN reads /metrics; API_TOKEN is an editor's API token, which publishes.)

Environment (defaults): CONNECTIONS 64, PAGES_SECONDS 10, FRACTION 0.3,
RPS_CLIENTS 64 (h2load's connections in (c)), TOPIC politics,
RUN_TIMEOUT 900 (seconds per fan-out).
"""

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request

from fanout_follow import follow, publish
from procstat import cpu_seconds
from storm_run import quantile, renders

CONNECTIONS = int(os.environ.get("CONNECTIONS", "64"))
PAGES_SECONDS = int(os.environ.get("PAGES_SECONDS", "10"))
FRACTION = float(os.environ.get("FRACTION", "0.3"))
RPS_CLIENTS = int(os.environ.get("RPS_CLIENTS", "64"))
TOPIC = os.environ.get("TOPIC", "politics")
RUN_TIMEOUT = float(os.environ.get("RUN_TIMEOUT", "900"))


def log(message: str) -> None:
    print(f"-- {message}", file=sys.stderr, flush=True)


def wrk_script(work: str, paths: list[str]) -> str:
    """A wrk script asking for `paths` in turn."""
    script = os.path.join(work, "pages.lua")
    quoted = ", ".join(json.dumps(p) for p in paths)
    with open(script, "w", encoding="utf-8") as f:
        f.write(f"local paths = {{{quoted}}}\nlocal i = 0\n"
                "request = function()\n  i = i % #paths + 1\n"
                "  return wrk.format('GET', paths[i])\nend\n")
    return script


def wrk_command(base: str, script: str, seconds: int) -> list[str]:
    return ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "-s", script, base]


def ms(value: str) -> float:
    """A wrk duration (`812.00us`, `1.23ms`, `2.01s`, `1.50m`) in ms."""
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return round(float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit], 2)


def parse_wrk(out: str) -> dict:
    latency = re.search(r"^\s+Latency\s+(\S+)\s+(\S+)\s+(\S+)", out, re.M)
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M)
    total = re.search(r"^\s+(\d+) requests in ([\d.]+)(\w+)", out, re.M)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "requests": int(total.group(1)),
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50_ms": ms(p50.group(1)),
        "p99_ms": ms(p99.group(1)),
        "max_ms": ms(latency.group(3)),
        "errors": (int(non2xx.group(1)) if non2xx else 0) + (sum(map(int, sockets.groups())) if sockets else 0),
    }


def run_wrk(base: str, script: str, seconds: int) -> dict:
    out = subprocess.run(wrk_command(base, script, seconds), check=True, capture_output=True, text=True).stdout
    return parse_wrk(out)


def h2load(base: str, paths: list[str], rate: float, seconds: int, log_file: str) -> subprocess.Popen:
    """An open-loop load of `rate` requests/s over `paths`, for `seconds`."""
    uris = [base + p for p in paths]
    return subprocess.Popen(
        ["h2load", "--h1", "-t1", f"-c{RPS_CLIENTS}", f"--rps={rate / RPS_CLIENTS:.3f}", f"-D{seconds}",
         f"--log-file={log_file}", *uris],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def parse_h2load(out: str, log_file: str, seconds: int) -> dict:
    """Figures from h2load's summary and its per-request log (start in us
    since the epoch, status, duration in us)."""
    rows = []
    with open(log_file, encoding="ascii") as f:
        for line in f:
            start, status, duration = line.split("\t")[:3]
            rows.append((int(start), int(status), int(duration)))
    durations = [d / 1e6 for _, _, d in rows]
    counts = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, "
                       r"(\d+) errored, (\d+) timeout", out)
    failed = int(counts.group(5)) + int(counts.group(6)) + int(counts.group(7)) if counts else None
    return {
        "requests": len(rows),
        "rps": round(len(rows) / seconds, 1),
        "p50_ms": quantile(durations, 0.5),
        "p99_ms": quantile(durations, 0.99),
        "max_ms": quantile(durations, 1.0),
        "errors": sum(1 for _, status, _ in rows if not 200 <= status < 400) + (failed or 0),
        "started_us": [rows[0][0], rows[-1][0]] if rows else None,
        "rows": rows,
    }


class Herald:
    """The running Herald: publishes stories and follows their fan-outs."""

    def __init__(self, base: str, pid: int, data: str, api_token: str):
        self.base, self.pid, self.data, self.api_token = base, pid, data, api_token
        parsed = urllib.parse.urlsplit(base)
        self.conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)

    def publish(self, slug: str) -> int:
        """Creates story `slug` in the topic and publishes it, with its
        notification, as an editor does; returns its id."""
        return publish(self.conn, self.api_token, {
            "slug": slug, "headline": f"The storm, {slug}", "topics": [TOPIC.title()],
            "standfirst": "The vote came at dawn, after eleven hours of debate.",
            "body_markdown": "Everyone read it at once.", "authors": ["Bench"]})

    def fanout(self, slug: str, during=None) -> dict:
        """Publishes `slug` and follows its fan-out; `during()` is called
        right after the publish (the click storm starts there)."""
        cpu0, t0 = cpu_seconds(self.pid), time.time()
        story_id = self.publish(slug)
        if during:
            during()
        stats, error = follow(self.conn, story_id, RUN_TIMEOUT)
        t1 = time.time()
        cpu = cpu_seconds(self.pid) - cpu0
        messages = stats.get("delivered", 0)
        return {"ok": error is None, "error": error, "messages": messages, "queued": stats.get("queued"),
                "failed": stats.get("failed"), "wall_s": round(t1 - t0, 3),
                "msgs_per_s": round(messages / (t1 - t0), 1), "cpu_s": round(cpu, 2), "t0": t0, "t1": t1}


def ecdh_per_message(fanout: dict, ecdh_ops: float, page_cpu_s: float = 0.0) -> float | None:
    if not fanout["messages"]:
        return None
    return round((fanout["cpu_s"] - page_cpu_s) * ecdh_ops / fanout["messages"], 2)


def main() -> None:
    base, pid, data, token, ecdh_ops, work, api_token = sys.argv[1:8]
    pid, ecdh_ops = int(pid), float(ecdh_ops)
    herald = Herald(base, pid, data, api_token)
    topic_page = f"/topics/{TOPIC}"
    # A story of the topic, as a reader would find it.
    with urllib.request.urlopen(base + topic_page, timeout=10) as answer:
        found = re.search(r'href="(/stories/[^"]+)"', answer.read().decode())
    if not found:
        sys.exit(f"no story on {topic_page}")
    pages = [found.group(1), "/", topic_page]
    for path in pages:
        urllib.request.urlopen(base + path, timeout=10).read()
    script = wrk_script(work, pages)
    result: dict = {"pages": pages, "ecdh_ops_per_s": ecdh_ops}

    log(f"(a) pages alone: wrk, {CONNECTIONS} connections, {PAGES_SECONDS} s")
    cpu0 = cpu_seconds(pid)
    a = run_wrk(base, script, PAGES_SECONDS)
    a["cpu_ms_per_page"] = round((cpu_seconds(pid) - cpu0) * 1000 / max(a["requests"], 1), 4)
    result["a"] = a
    log(json.dumps(a))

    log("(b) the fan-out alone")
    b = herald.fanout("storm-b")
    b["ecdh_per_msg"] = ecdh_per_message(b, ecdh_ops)
    result["b"] = b
    log(json.dumps(b))

    rate = FRACTION * a["rps"]
    seconds = max(5, int(2 * b["wall_s"]) + 2)
    log(f"(c) click storm: h2load at {rate:.0f} requests/s ({FRACTION:.0%} of (a)) for {seconds} s from the publish")
    h2_log = os.path.join(work, "h2load.log")
    story_c = "/stories/storm-c"
    load: list[subprocess.Popen] = []
    renders0 = renders(base, token)
    c = herald.fanout("storm-c", lambda: load.append(h2load(base, [story_c, "/", topic_page], rate, seconds, h2_log)))
    out = load[0].communicate()[0]
    rendered = renders(base, token) - renders0
    pages_c = parse_h2load(out, h2_log, seconds)
    rows = pages_c.pop("rows")
    in_window = sum(1 for start, _, _ in rows if c["t0"] * 1e6 <= start <= c["t1"] * 1e6)
    c["ecdh_per_msg_net"] = ecdh_per_message(c, ecdh_ops, in_window * a["cpu_ms_per_page"] / 1000)
    c["pages_during_fanout"] = in_window
    result["c"] = {"target_rps": round(rate, 1), "load_seconds": seconds, "pages": pages_c, "fanout": c,
                   "renders": rendered}
    log(json.dumps(result["c"]))

    log(f"(d) the fan-out under a saturating wrk ({CONNECTIONS} connections)")
    saturating = subprocess.Popen(wrk_command(base, script, 3600), stdout=subprocess.PIPE, text=True)
    time.sleep(1.0)
    d = herald.fanout("storm-d")
    saturating.send_signal(signal.SIGINT)
    pages_d = parse_wrk(saturating.communicate()[0])
    d["ecdh_per_msg_net"] = ecdh_per_message(d, ecdh_ops, pages_d["rps"] * d["wall_s"] * a["cpu_ms_per_page"] / 1000)
    result["d"] = {"pages": pages_d, "fanout": d}
    log(json.dumps(result["d"]))
    for run in (b, c, d):
        run.pop("t0"), run.pop("t1")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
