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
  rm -rf "$WORK"
}
