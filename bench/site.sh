#!/usr/bin/env bash
# Herald vs nginx on one story page, on loopback, in the same run; and
# Herald with Brotli (Accept-Encoding: br) vs Herald uncompressed.
#
#   bash bench/site.sh            # from anywhere; run as root (apt-get)
#
# What it does:
#   1. builds the release binary (`cargo build --release --bin herald`, in the
#      repository's target/ folder, or $CARGO_TARGET_DIR) and installs wrk and nginx with apt-get
#      when they are missing;
#   2. starts `herald serve --demo` on a free loopback port with a fresh
#      temporary data folder (RUST_LOG=warn, so no per-request logging);
#   3. picks the newest demo story linked from the home page (or $STORY, a
#      path such as /stories/some-slug), saves its HTML exactly as Herald sends
#      it, and serves that file with nginx at the same path on another
#      loopback port (nginx.conf generated in the temporary folder; pid, logs
#      and temp paths there too);
#   4. warms both (wrk, 5 s each), then measures each, one after the other:
#      `wrk -t2 -c64 -d20s --latency`; then Herald again with
#      `-H 'Accept-Encoding: br'` (the Brotli copy its page cache made when
#      it rendered the page);
#   5. prints requests/s and p99 latency of each run, the ratio Herald/nginx,
#      the ratio Herald br/Herald uncompressed, the page's Brotli and
#      uncompressed sizes, and whether the goals are met: Herald >= 50% of
#      nginx's rate, Herald p99 under 10 ms, Herald's br rate >= 90% of its
#      uncompressed rate, the br page <= 35% of the uncompressed bytes. The
#      figures and wrk's raw reports are also saved under bench/out/ (not
#      committed).
# Both servers are stopped and the temporary folder removed on exit (trap).
#
# Fairness: the same bytes (Herald's body, saved verbatim) at the same path,
# HTTP/1.1 keep-alive on both sides (nginx: keepalive_requests raised so it
# never closes a wrk connection mid-run), no compression on either side (wrk
# sends no Accept-Encoding unless told), no access log. The Brotli run is
# Herald against itself: nginx has no Brotli module in Debian's package. nginx uses worker_processes auto,
# i.e. one worker per core: Herald's tokio runtime also starts one worker
# thread per core, so each server may use the whole machine, as it would in
# production. wrk runs on the same cores, so absolute figures depend on the
# machine and on whatever else runs on it; the ratio is what to compare.
#
# Environment: STORY (page path), DURATION (default 20s), CONNECTIONS (64),
# THREADS (2), WARMUP (5s).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

DURATION="${DURATION:-20s}"
CONNECTIONS="${CONNECTIONS:-64}"
THREADS="${THREADS:-2}"
WARMUP="${WARMUP:-5s}"

say() { printf '==> %s\n' "$*" >&2; }
ROOT="$repo"
# shellcheck source=bench/common.sh
. "$repo/bench/common.sh"

install_missing wrk:wrk nginx:nginx curl:curl
herald_binary
herald="$HERALD"
work_folder site
tmp="$WORK"

herald_port="$(free_port)"
herald_url="http://127.0.0.1:$herald_port"
say "starting herald on $herald_url"
RUST_LOG=warn NO_COLOR=1 "$herald" --data "$tmp/data" --bind "127.0.0.1:$herald_port" \
  --base-url "$herald_url" serve --demo >"$tmp/herald.log" 2>&1 &
herald_pid=$!
wait_for_herald "$herald_url"

story="${STORY:-$(curl -fsS "$herald_url/" | grep -o 'href="/stories/[^"]*"' | head -n 1 | sed 's/^href="//; s/"$//')}"
[[ -n "$story" ]] || { echo "no story link on the home page" >&2; exit 1; }
mkdir -p "$tmp/www$(dirname "$story")"
curl -fsS -o "$tmp/www$story" "$herald_url$story"
bytes="$(wc -c <"$tmp/www$story")"
# nginx's workers run as nobody: let them read the page.
chmod 755 "$tmp" "$tmp/www" && chmod -R a+rX "$tmp/www"

nginx_port="$(free_port)"
nginx_url="http://127.0.0.1:$nginx_port"
mkdir -p "$tmp/nginx"
cat >"$tmp/nginx/nginx.conf" <<EOF
worker_processes auto;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $tmp/nginx/client_body;
    proxy_temp_path $tmp/nginx/proxy;
    fastcgi_temp_path $tmp/nginx/fastcgi;
    uwsgi_temp_path $tmp/nginx/uwsgi;
    scgi_temp_path $tmp/nginx/scgi;
    default_type text/html;
    charset utf-8;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 65s;
    keepalive_requests 10000000;
    open_file_cache max=16 inactive=60s;
    open_file_cache_valid 60s;
    gzip off;
    server {
        listen 127.0.0.1:$nginx_port;
        root $tmp/www;
    }
}
EOF
say "starting nginx on $nginx_url (worker_processes auto = $(nproc))"
nginx -p "$tmp/nginx" -e "$tmp/nginx/error.log" -c "$tmp/nginx/nginx.conf" -g 'daemon off;' &
NGINX_PID=$!
wait_for_url "$nginx_url$story" || { cat "$tmp/nginx/error.log" >&2; exit 1; }

# The page as Brotli: sent as br, and its size.
br_headers="$(curl -fsS -D - -o "$tmp/page.br" -H 'Accept-Encoding: br' "$herald_url$story")"
grep -qi '^content-encoding: br' <<<"$br_headers" \
  || { echo "herald did not answer $story with Brotli" >&2; exit 1; }
br_bytes="$(wc -c <"$tmp/page.br")"

# Same bytes from both.
cmp -s <(curl -fsS "$herald_url$story") <(curl -fsS "$nginx_url$story") \
  || { echo "herald and nginx serve different bytes for $story" >&2; exit 1; }

# --- 3. measure --------------------------------------------------------------
run_wrk() { # name url duration [wrk options…] -> report file
  local out="$tmp/wrk-$1-$3.txt"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$3" --latency "${@:4}" "$2" >"$out"
  if grep -qE 'Non-2xx|Socket errors' "$out"; then
    cat "$out" >&2
    echo "$1: wrk saw errors" >&2
    exit 1
  fi
  echo "$out"
}
rps() { awk '/^Requests\/sec:/ { print $2 }' "$1"; }
p99_ms() { # wrk prints e.g. "99%    1.23ms" (us, ms or s)
  awk '$1 == "99%" {
    v = $2; unit = v; gsub(/[0-9.]/, "", unit); sub(/[a-z]+$/, "", v);
    if (unit == "us") v /= 1000; else if (unit == "s") v *= 1000; else if (unit == "m") v *= 60000;
    printf "%.3f\n", v }' "$1"
}

say "warming up ($WARMUP each)"
run_wrk herald "$herald_url$story" "$WARMUP" >/dev/null
run_wrk nginx "$nginx_url$story" "$WARMUP" >/dev/null
run_wrk herald-br "$herald_url$story" "$WARMUP" -H 'Accept-Encoding: br' >/dev/null

say "measuring herald: wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency $herald_url$story"
herald_report="$(run_wrk herald "$herald_url$story" "$DURATION")"
say "measuring nginx:  wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency $nginx_url$story"
nginx_report="$(run_wrk nginx "$nginx_url$story" "$DURATION")"
say "measuring herald with Brotli: wrk … -H 'Accept-Encoding: br' $herald_url$story"
br_report="$(run_wrk herald-br "$herald_url$story" "$DURATION" -H 'Accept-Encoding: br')"

h_rps="$(rps "$herald_report")"; n_rps="$(rps "$nginx_report")"
h_p99="$(p99_ms "$herald_report")"; n_p99="$(p99_ms "$nginx_report")"
ratio="$(awk -v h="$h_rps" -v n="$n_rps" 'BEGIN { printf "%.1f", 100 * h / n }')"
rate_ok="$(awk -v h="$h_rps" -v n="$n_rps" 'BEGIN { print (h >= 0.5 * n) ? "yes" : "NO" }')"
p99_ok="$(awk -v p="$h_p99" 'BEGIN { print (p < 10) ? "yes" : "NO" }')"
b_rps="$(rps "$br_report")"; b_p99="$(p99_ms "$br_report")"
br_rate="$(awk -v b="$b_rps" -v h="$h_rps" 'BEGIN { printf "%.1f", 100 * b / h }')"
br_rate_ok="$(awk -v b="$b_rps" -v h="$h_rps" 'BEGIN { print (b >= 0.9 * h) ? "yes" : "NO" }')"
br_size="$(awk -v b="$br_bytes" -v n="$bytes" 'BEGIN { printf "%.1f", 100 * b / n }')"
br_size_ok="$(awk -v b="$br_bytes" -v n="$bytes" 'BEGIN { print (b <= 0.35 * n) ? "yes" : "NO" }')"

summary="$(cat <<EOF
Herald vs nginx, one story page on loopback ($(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores)
page: $story ($bytes bytes), wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency, keep-alive
                 requests/s     p99 latency
herald       $(printf '%14.0f %12.2f ms' "$h_rps" "$h_p99")
nginx        $(printf '%14.0f %12.2f ms' "$n_rps" "$n_p99")
herald br    $(printf '%14.0f %12.2f ms' "$b_rps" "$b_p99")   (Accept-Encoding: br)
ratio herald/nginx: ${ratio}%
ratio herald br/herald: ${br_rate}%
page bytes: $bytes uncompressed, $br_bytes Brotli (${br_size}%)
goal herald >= 50% of nginx's rate:       $rate_ok
goal herald p99 < 10 ms:                  $p99_ok
goal herald br >= 90% of herald's rate:   $br_rate_ok
goal br page <= 35% of the bytes:         $br_size_ok
EOF
)"
echo "$summary"

mkdir -p "$repo/bench/out"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
{ echo "$summary"; echo; echo "--- herald"; cat "$herald_report"; echo "--- nginx"; cat "$nginx_report";
  echo "--- herald br"; cat "$br_report"; } \
  >"$repo/bench/out/site-$stamp.txt"
say "saved bench/out/site-$stamp.txt"
