#!/usr/bin/env bash
# Ensure a Docker engine is reachable, starting the project's own one if needed.
#
#   scripts/docker-engine.sh [--second NAME] [--with-busybox-image]
#
# Order: (1) the caller's engine (DOCKER_HOST or the default context) if `docker info`
# answers -- a developer laptop uses its own Docker; (2) the project's engine already
# started by this script (pidfile + socket under /tmp/td-dockerd); (3) install docker.io
# from Debian and start dockerd (see shared/docker-engine.md). The build machines have a
# docker client but no engine, and nothing installed by hand survives to a new machine.
#
# --second NAME  start/reuse an extra, independent engine on /tmp/td-dockerd-NAME/docker.sock
#                (tests that need two engines); step (1) is skipped for it.
# --with-busybox-image  also build taskdaemon-test/busybox (FROM scratch + static busybox);
#                no registry is reachable here, so test images are built locally.
#
# stdout carries one line only, the last: DOCKER_HOST=unix:///...  (log goes to stderr)
# Stop with scripts/docker-engine-stop.sh [NAME].
set -euo pipefail

name="" image=0
while [ $# -gt 0 ]; do
  case "$1" in
    --second) name="${2:?--second needs a NAME}"; shift 2 ;;
    --with-busybox-image) image=1; shift ;;
    *) echo "usage: $0 [--second NAME] [--with-busybox-image]" >&2; exit 2 ;;
  esac
done
[[ -z "$name" || "$name" =~ ^[A-Za-z0-9_.-]+$ ]] || { echo "bad NAME: $name" >&2; exit 2; }

log() { echo "docker-engine: $*" >&2; }
# `timeout`: a DOCKER_HOST pointing at a dead tcp host must not hang us.
answers() { DOCKER_HOST="$1" timeout 10 docker info >/dev/null 2>&1; }

dir=/tmp/td-dockerd${name:+-$name}
sock="unix://$dir/docker.sock"
pidfile="$dir/docker.pid"

# Build the test image on $host unless present. /bin/busybox must be the static one
# (FROM scratch has no libc); the dynamic `busybox` package would not run there.
build_image() {
  local host="$1" ctx
  DOCKER_HOST="$host" docker image inspect taskdaemon-test/busybox >/dev/null 2>&1 && return 0
  if [ ! -x /bin/busybox ] || ldd /bin/busybox >/dev/null 2>&1; then
    if command -v apt-get >/dev/null; then
      apt_install busybox-static
    else  # a laptop without Debian: take busybox from Docker Hub instead
      DOCKER_HOST="$host" docker pull -q busybox >&2
      DOCKER_HOST="$host" docker tag busybox taskdaemon-test/busybox
      return 0
    fi
  fi
  ctx=$(mktemp -d); cp /bin/busybox "$ctx/"
  printf '%s\n' 'FROM scratch' 'COPY busybox /bin/busybox' \
    'RUN ["/bin/busybox","--install","-s","/bin"]' 'CMD ["/bin/sh"]' > "$ctx/Dockerfile"
  # Classic builder: BuildKit is not installed with Debian's docker.io.
  DOCKER_HOST="$host" DOCKER_BUILDKIT=0 docker build -q -t taskdaemon-test/busybox "$ctx" >&2
  rm -rf "$ctx"
  log "built taskdaemon-test/busybox"
}

apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then apt-get update -qq >&2; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}

finish() {  # $1 = DOCKER_HOST in use
  [ "$image" = 1 ] && build_image "$1"
  echo "DOCKER_HOST=$1"
  exit 0
}

# (1) The caller's own engine (main engine only).
if [ -z "$name" ] && timeout 10 docker info >/dev/null 2>&1; then
  host="${DOCKER_HOST:-$(docker context inspect --format '{{.Endpoints.docker.Host}}' 2>/dev/null || true)}"
  host="${host:-unix:///var/run/docker.sock}"
  log "using the running engine at $host"
  finish "$host"
fi

mkdir -p "$dir"
# Serialise concurrent callers (e.g. parallel test JVMs) so only one starts dockerd.
exec 9>"$dir/lock"
flock -w 180 9

# Live = the pidfile's pid is a dockerd that is not a zombie: pid 1 on these machines is
# slow to reap, so `kill -0` alone reports a killed dockerd as alive; the name check
# guards against a recycled pid.
alive() {
  local p st; p=$(cat "$pidfile" 2>/dev/null) && [ -n "$p" ] || return 1
  st=$(cat "/proc/$p/stat" 2>/dev/null) && [[ "$st" == *"(dockerd) "[!Z]* ]]
}
wait_ready() {  # bounded: 120 x 0.5 s = 60 s (it may still be starting up)
  for _ in $(seq 120); do
    answers "$sock" && return 0
    alive || return 1
    sleep 0.5
  done
  return 1
}

# (2) Our engine from an earlier call.
if alive; then
  if wait_ready; then log "reusing engine pid $(cat "$pidfile") at $sock"; finish "$sock"; fi
  if alive; then
    log "engine pid $(cat "$pidfile") is alive but $sock does not answer"; tail -n 30 "$dir/log" >&2 || true
    exit 1
  fi
  log "engine pid $(cat "$pidfile") died; starting a new one"
fi

# (3) Install (only what is missing) and start.
if ! command -v dockerd >/dev/null && [ ! -x /usr/sbin/dockerd ]; then
  log "installing docker.io"; t0=$SECONDS
  apt_install docker.io busybox-static
  log "installed in $((SECONDS - t0)) s"
fi
[ -e /bin/busybox ] || apt_install busybox-static

# Each dockerd starts its own containerd under its exec-root, unless a system containerd
# (/run/containerd/containerd.sock) exists, which both would then share: a second engine
# gets its own containerd namespaces so its containers never mix with the main one's.
ns=()
[ -n "$name" ] && ns=(--containerd-namespace "td-$name" --containerd-plugins-namespace "td-$name-plugins")

log "starting dockerd on $sock"; t0=$SECONDS
rm -f "$dir/docker.sock"
# setsid: survive the caller's session; no inherited stdio (a caller's $(...) must not
# hang on it) and no lock fd 9 (dockerd would hold the lock forever).
# --iptables=false --bridge=none: no network here; containers run with --network none.
setsid "$(command -v dockerd || echo /usr/sbin/dockerd)" \
  --host "$sock" --data-root "$dir/data" --exec-root "$dir/exec" --pidfile "$pidfile" \
  --iptables=false --bridge=none ${ns[@]+"${ns[@]}"} \
  </dev/null >"$dir/log" 2>&1 9>&- &
for _ in $(seq 120); do  # 60 s, bounded; give up early if dockerd died
  answers "$sock" && { log "ready in $((SECONDS - t0)) s"; finish "$sock"; }
  [[ "$(cat /proc/$!/stat 2>/dev/null)" =~ \)\ [^Z] ]] || break  # dead or zombie
  sleep 0.5
done
log "dockerd did not come up; last lines of $dir/log:"
tail -n 30 "$dir/log" >&2 || true
exit 1
