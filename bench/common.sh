# Shared by the benchmark scripts; sourced after they set ROOT and say().

# Sets HERALD: $HERALD_BIN when given, otherwise a fresh release build
# (figures from a debug build say nothing about speed).
herald_binary() {
  if [ -n "${HERALD_BIN:-}" ]; then
    HERALD="$HERALD_BIN"
    say "using $HERALD (not built here)"
  else
    say "building herald (release)"
    cargo build --quiet --release --bin herald
    HERALD="${CARGO_TARGET_DIR:-$ROOT/target}/release/herald"
  fi
}

# Prints what the figures were measured on: cores, load, Herald's commit
# and the sink's nginx.
describe_machine() {
  say "machine"
  echo "$(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load average $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "herald $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$ROOT" diff --quiet 2>/dev/null || echo ' (+ uncommitted changes)'); $(nginx -v 2>&1 || echo 'no nginx')"
}

# A free TCP port on loopback.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Sets WORK to a fresh temporary folder named after $1, and on exit stops
# the Herald whose pid is in herald_pid (when set) and removes WORK.
work_folder() {
  WORK="$(mktemp -d "${TMPDIR:-/tmp}/herald-$1.XXXXXX")"
  herald_pid=""
  trap 'stop_and_clean' EXIT
  trap 'exit 130' INT TERM
}

stop_and_clean() {
  if [ -n "$herald_pid" ]; then
    kill -TERM "$herald_pid" 2>/dev/null || true
    wait "$herald_pid" 2>/dev/null || true
  fi
  stop_push_sink
  rm -rf "$WORK"
}

# Waits up to 30 s for the Herald at $1 to answer /healthz; otherwise
# prints its log ($WORK/herald.log) and exits.
wait_for_herald() {
  wait_for_url "$1/healthz" || { cat "$WORK/herald.log" >&2; exit 1; }
}

# Waits up to 30 s for $1 to answer with a success; says so and fails
# otherwise.
wait_for_url() {
  for _ in $(seq 1 300); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "no answer from $1" >&2
  return 1
}

# Adds an editor EMAIL to the site that the herald options after it name
# (e.g. --data DIR --config FILE) and prints an API token of theirs: the
# benchmarks publish as the newsroom does, through the admin API.
editor_token() {
  local email="$1"; shift
  echo "correct horse battery staple for the bench" \
    | RUST_LOG=warn "$HERALD" "$@" user add "$email" --role editor >/dev/null
  RUST_LOG=warn "$HERALD" "$@" token create --user "$email" --name bench
}

# Installs with apt-get the packages whose command is missing; each
# argument is COMMAND:PACKAGE (e.g. h2load:nghttp2-client).
install_missing() {
  local wanted=() pair
  for pair in "$@"; do
    command -v "${pair%%:*}" >/dev/null || wanted+=("${pair#*:}")
  done
  if [ "${#wanted[@]}" -gt 0 ]; then
    say "installing ${wanted[*]}"
    # policy-rc.d 101: no package starts a service of its own (a system
    # nginx on port 80).
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    local installed=0
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${wanted[@]}" >/dev/null \
      || installed=$?
    rm -f /usr/sbin/policy-rc.d
    return "$installed"
  fi
}

# OpenSSL's P-256 ECDH operations per second, measured over $1 seconds:
# the yardstick that CPU per message is given in.
ecdh_ops() {
  openssl speed -seconds "$1" ecdhp256 2>/dev/null | awk '/ecdh \(nistp256\)/ { print $NF }'
}

# A local push service: nginx answering 201 to every POST under /push/,
# plain HTTP/1.1 on 127.0.0.1:$1 and HTTP/2 over TLS on localhost:$2 with a
# self-signed certificate (CERT: trust it through SSL_CERT_FILE). Only the
# requests to /push/f/... are logged, to FIRST_LOG as `$msec $request_uri`,
# to time a fan-out's first notification. Sets NGINX_PID; stop_push_sink
# (also run on exit by work_folder's trap) stops it.
NGINX_PID=""
start_push_sink() {
  local http_port="$1" tls_port="$2"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -keyout "$WORK/sink-key.pem" -out "$WORK/sink-cert.pem" -subj "/CN=localhost" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -addext "basicConstraints=critical,CA:FALSE" \
    -addext "keyUsage=critical,digitalSignature" \
    -addext "extendedKeyUsage=serverAuth" 2>/dev/null
  CERT="$WORK/sink-cert.pem"
  FIRST_LOG="$WORK/first.log"
  mkdir -p "$WORK/nginx"
  cat > "$WORK/nginx.conf" <<NGINX
worker_processes auto;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  log_format first '\$msec \$request_uri';
  keepalive_requests 100000000;
  keepalive_timeout 300s;
  http2_max_concurrent_streams 1000;
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
  server {
    listen 127.0.0.1:$http_port;
    listen 127.0.0.1:$tls_port ssl http2;
    ssl_certificate $CERT;
    ssl_certificate_key $WORK/sink-key.pem;
    location /push/f/ { access_log $FIRST_LOG first; return 201; }
    location /push/ { return 201; }
  }
}
NGINX
  nginx -p "$WORK/nginx" -c "$WORK/nginx.conf" -g 'daemon off;' &
  NGINX_PID=$!
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$http_port/" && break; sleep 0.1; done
  if ! kill -0 "$NGINX_PID" 2>/dev/null || ! curl -s -o /dev/null "http://127.0.0.1:$http_port/"; then
    echo "the sink (nginx) did not start:"; cat "$WORK/nginx-error.log" 2>/dev/null; exit 1
  fi
}

# The sink's processes (master and workers), comma-separated.
sink_pids() { { echo "$NGINX_PID"; pgrep -P "$NGINX_PID"; } | paste -sd, -; }

stop_push_sink() {
  if [ -n "$NGINX_PID" ] && kill -0 "$NGINX_PID" 2>/dev/null; then
    kill -QUIT "$NGINX_PID"
    for _ in $(seq 50); do kill -0 "$NGINX_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$NGINX_PID" 2>/dev/null || true
  fi
  NGINX_PID=""
}
