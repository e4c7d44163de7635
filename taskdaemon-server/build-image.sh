#!/usr/bin/env bash
# Builds the server image taskdaemon/server:latest from taskdaemon-server/Dockerfile.
#
#   mvn -B -q -pl taskdaemon-server -am package -DskipTests
#   taskdaemon-server/build-image.sh [--bases=auto|registry|local] [--tag NAME]
#
# Base: eclipse-temurin:17-jre when it is present or can be pulled (--bases=auto, the default).
# Without a registry (like our CI) the base is made from this machine's JDK, as the examples' images
# are (examples/docker/build-images.sh): jlink with the modules the server needs (the whole JDK when
# jlink has no jmods), the shared libraries it loads, packed with `docker import` and kept as
# taskdaemon/base-server-jre:local-3 for the next build (the tag changes when the modules do).
set -euo pipefail

bases=auto tag=taskdaemon/server:latest
while [ $# -gt 0 ]; do
  case "$1" in
    --bases=auto|--bases=registry|--bases=local) bases=${1#--bases=}; shift ;;
    --tag) tag="${2:?--tag needs a NAME}"; shift 2 ;;
    *) echo "usage: $0 [--bases=auto|registry|local] [--tag NAME]" >&2; exit 2 ;;
  esac
done

here=$(cd "$(dirname "$0")" && pwd)
log() { echo "build-image: $*" >&2; }
[ -f "$here/target/taskdaemon-server.jar" ] || {
  log "no $here/target/taskdaemon-server.jar; build it first: mvn -B -q -pl taskdaemon-server -am package -DskipTests"
  exit 1
}
docker version --format '{{.Server.Version}}' >/dev/null 2>&1 || {
  log "no Docker engine answers (DOCKER_HOST=${DOCKER_HOST:-unset}); start one, e.g. scripts/docker-engine.sh"
  exit 1
}
docker buildx version >/dev/null 2>&1 || export DOCKER_BUILDKIT=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

local_base=taskdaemon/base-server-jre:local-3
modules=java.base,java.desktop,java.sql,jdk.httpserver,jdk.management,jdk.unsupported

make_local_base() {
  local javac home root libs
  javac=$(command -v javac) || { log "a JDK (javac, jlink) is needed to make a local base"; exit 1; }
  home=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$javac")")")}
  root="$work/rootfs"
  mkdir -p "$root/opt/java" "$root/tmp" && chmod 1777 "$root/tmp"
  if [ -d "$home/jmods" ] && "$home/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files \
      --no-man-pages --compress=2 --output "$root/opt/java/openjdk" >/dev/null 2>&1; then
    :
  else
    log "jlink is not usable here; copying the whole JDK from $home"
    cp -rL "$home" "$root/opt/java/openjdk"
  fi
  # The SQLite driver's native library is unpacked from the jar at run time: what it loads must be in
  # the image too (libpthread, libdl, libm beside libc).
  mkdir -p "$work/native"
  (cd "$work/native" && unzip -q -o "$here/target/taskdaemon-server.jar" "org/sqlite/native/Linux/$(uname -m)/*" \
    2>/dev/null) || log "no SQLite native library for Linux/$(uname -m) in the jar; the sqlite store may not load"
  # The shared libraries the runtime's ELF files load, and the loader, at their own paths.
  libs=$(find "$root/opt/java/openjdk" "$work/native" -type f \( -name '*.so' -o -perm -u+x \) -exec ldd {} + \
    2>/dev/null \
    | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// && $2 ~ /^\(/ {print $1}' | sort -u)
  for f in $libs /etc/ld.so.cache; do
    [ -e "$f" ] || continue
    mkdir -p "$root$(dirname "$f")" && cp -L "$f" "$root$f"
  done
  tar -C "$root" --numeric-owner --owner=0 --group=0 -cf - . | docker import \
    -c 'ENV JAVA_HOME=/opt/java/openjdk' -c 'ENV LANG=C.UTF-8' \
    -c 'ENV PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    - "$local_base" >/dev/null
  log "made $local_base"
}

base=eclipse-temurin:17-jre
if [ "$bases" != local ] && { docker image inspect "$base" >/dev/null 2>&1 || docker pull -q "$base" >/dev/null 2>&1; }; then
  :
elif [ "$bases" = registry ]; then
  log "cannot pull $base and --bases=registry was given"; exit 1
else
  docker image inspect "$local_base" >/dev/null 2>&1 || make_local_base
  base=$local_base
fi
docker build --force-rm -q --build-arg "JRE_IMAGE=$base" -t "$tag" -f "$here/Dockerfile" "$here" >/dev/null
log "built $tag on $base"
