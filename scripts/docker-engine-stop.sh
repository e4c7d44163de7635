#!/usr/bin/env bash
# Stop the Docker engine(s) that scripts/docker-engine.sh started.
#
#   scripts/docker-engine-stop.sh          the main engine   (/tmp/td-dockerd)
#   scripts/docker-engine-stop.sh NAME     a second engine   (/tmp/td-dockerd-NAME)
#   scripts/docker-engine-stop.sh --all    every engine this project started
#
# Only by the pid in the pidfile: never by process name, which could hit an engine
# that someone else runs (a laptop's Docker, another project's). Containers labelled
# dev.taskdaemon.managed=true are removed first so none outlive the engine's state.
set -euo pipefail
log() { echo "docker-engine-stop: $*" >&2; }

# A dockerd that is not a zombie (pid 1 here is slow to reap, so `kill -0` is not
# enough); the name check guards against a recycled pid.
alive() { local st; st=$(cat "/proc/$1/stat" 2>/dev/null) && [[ "$st" == *"(dockerd) "[!Z]* ]]; }

stop_one() {  # $1 = engine dir
  local dir="$1" pid sock cpid
  pid=$(cat "$dir/docker.pid" 2>/dev/null || true)
  if [ -z "$pid" ] || ! alive "$pid"; then log "$dir: not running"; return 0; fi
  sock="unix://$dir/docker.sock"
  DOCKER_HOST="$sock" timeout 60 docker ps -aq --filter label=dev.taskdaemon.managed=true \
    | DOCKER_HOST="$sock" xargs -r timeout 60 docker rm -f >&2 || log "$dir: removing containers failed"
  kill -TERM "$pid"
  # On SIGTERM dockerd stops its other containers (10 s grace each, in parallel) and
  # then the containerd it started.
  for _ in $(seq 120); do alive "$pid" || { log "$dir: pid $pid stopped"; return 0; }; sleep 0.5; done
  log "$dir: pid $pid still alive after 60 s; sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  # A killed dockerd leaves its containerd behind: stop that by its own pidfile too.
  cpid=$(cat "$dir/exec/containerd/containerd.pid" 2>/dev/null || true)
  [ -n "$cpid" ] && [ "$(cat "/proc/$cpid/comm" 2>/dev/null)" = containerd ] && kill -TERM "$cpid" || true
  for _ in $(seq 20); do alive "$pid" || return 0; sleep 0.5; done
  log "$dir: pid $pid did not exit"; return 1
}

case "${1:-}" in
  "") stop_one /tmp/td-dockerd ;;
  --all) rc=0; log "stopping every /tmp/td-dockerd*/docker.pid"; for p in /tmp/td-dockerd/docker.pid /tmp/td-dockerd-*/docker.pid; do
           [ -e "$p" ] && { stop_one "$(dirname "$p")" || rc=1; }; done; exit $rc ;;
  *) [[ "$1" =~ ^[A-Za-z0-9_.-]+$ ]] || { echo "usage: $0 [NAME|--all]" >&2; exit 2; }
     stop_one "/tmp/td-dockerd-$1" ;;
esac
