#!/usr/bin/env bash
# Builds the images of the Docker variant of the quick-start example (examples/handlers.docker.toml):
#
#   taskdaemon-examples/wordcount   handlers/wordcount.py, Python standard library only
#   taskdaemon-examples/primes      handlers/Primes.java with the handler SDK, compiled with a JDK, run on a JRE
#
#   examples/docker/build-images.sh [--bases=auto|registry|local] [--rebuild-bases]
#
# Bases. The Dockerfiles start FROM python:3.12-slim and eclipse-temurin:17-jdk / 17-jre. With
# --bases=auto (the default) a base is used when it is present or can be pulled. When it cannot
# (a machine with no registry, like our CI), the script makes an equivalent base from this
# machine's own python3 or JDK: their files and the shared libraries they load, packed into an
# image with `docker import` and passed to the build as PYTHON_IMAGE / JDK_IMAGE / JRE_IMAGE.
# Local bases are kept (taskdaemon-examples/base-*:local*) and reused; --rebuild-bases remakes them.
#
# Uses the engine that `docker` talks to (DOCKER_HOST or the current context). Local bases need
# python3, a JDK (jlink when its jmods are installed, otherwise the whole JDK is copied), ldd and tar.
# The primes image compiles the handler SDK from this checkout's sources; Maven (`mvn`) fetches the
# SDK's one dependency, Jackson, as it does for any build (from ~/.m2 when it is there).
set -euo pipefail

bases=auto rebuild=0
for arg in "$@"; do
  case "$arg" in
    --bases=auto|--bases=registry|--bases=local) bases=${arg#--bases=} ;;
    --rebuild-bases) rebuild=1 ;;
    *) echo "usage: $0 [--bases=auto|registry|local] [--rebuild-bases]" >&2; exit 2 ;;
  esac
done

here=$(cd "$(dirname "$0")" && pwd)
handlers=$(cd "$here/../handlers" && pwd)
root=$(cd "$here/../.." && pwd)
log() { echo "build-images: $*" >&2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

docker version --format '{{.Server.Version}}' >/dev/null 2>&1 || {
  log "no Docker engine answers (DOCKER_HOST=${DOCKER_HOST:-unset}); start one, e.g. scripts/docker-engine.sh"
  exit 1
}
# BuildKit when the client has it; the classic builder otherwise (Debian's docker.io has no buildx).
docker buildx version >/dev/null 2>&1 || export DOCKER_BUILDKIT=0

have_image() { docker image inspect "$1" >/dev/null 2>&1; }
image_id() { docker image inspect -f '{{.Id}}' "$1" 2>/dev/null || true; }

# After a tag has moved to a new image, removes the image it left (by id, so only one this script
# made); one still used by another tag or a container stays.
drop_replaced() {  # $1 = image id before, $2 = tag
  if [ -n "$1" ] && [ "$1" != "$(image_id "$2")" ]; then docker rmi "$1" >/dev/null 2>&1 || true; fi
}

# The base to use for a registry image: the image itself, or the local equivalent made by $2.
pick_base() {  # $1 = registry image, $2 = local image name, $3 = function that makes it
  if [ "$bases" != local ]; then
    if have_image "$1" || docker pull -q "$1" >/dev/null 2>&1; then echo "$1"; return; fi
    if [ "$bases" = registry ]; then log "cannot pull $1 and --bases=registry was given"; exit 1; fi
    log "$1 cannot be pulled; using a local base instead"
  fi
  if [ "$rebuild" = 1 ] || ! have_image "$2"; then
    local before
    before=$(image_id "$2")
    "$3" "$2"
    drop_replaced "$before" "$2"
  fi
  echo "$2"
}

# --- local bases ------------------------------------------------------------------------------

# Copies files into the root file system $1 at their own paths, symlinks resolved.
put() {
  local root=$1 f; shift
  for f in "$@"; do
    mkdir -p "$root$(dirname "$f")"
    cp -L "$f" "$root$f"
  done
}

# Copies the shared libraries that the ELF files given need (and the loader) into $1; libraries
# already inside $1 (found through $ORIGIN) are left alone.
put_libs() {
  local root=$1; shift
  local libs
  libs=$({ ldd "$@" 2>/dev/null || true; } | awk -v root="$root/" '
    $2 == "=>" && $3 ~ /^\// && index($3, root) != 1 {print $3}
    $1 ~ /^\// && $2 ~ /^\(/ && index($1, root) != 1 {print $1}' | sort -u)
  # shellcheck disable=SC2086
  [ -z "$libs" ] || put "$root" $libs
  [ ! -e /etc/ld.so.cache ] || put "$root" /etc/ld.so.cache
}

elf_files() {  # the ELF files under the directories given
  local f
  while IFS= read -r -d '' f; do
    [ "$(head -c 4 "$f" | od -An -tx1 | tr -d ' \n')" = 7f454c46 ] && printf '%s\n' "$f"
  done < <(find "$@" -type f \( -name '*.so' -o -name '*.so.*' -o -perm -u+x \) -print0)
  return 0
}

# Packs the root file system $1 into image $2, with extra --change instructions after that.
import_rootfs() {
  local root=$1 image=$2; shift 2
  mkdir -p "$root/tmp" && chmod 1777 "$root/tmp"
  tar -C "$root" --numeric-owner --owner=0 --group=0 -cf - . | docker import "$@" - "$image" >/dev/null
  log "made $image ($(du -sh "$root" | cut -f1))"
}

make_python_base() {  # $1 = image name
  local py root
  py=$(command -v /usr/bin/python3 python3 2>/dev/null | head -n 1) || true
  [ -n "$py" ] || { log "python3 is needed to make a local Python base"; exit 1; }
  root=$(mktemp -d -p "$work")
  local exe stdlib dynload
  read -r exe stdlib dynload < <("$py" -c 'import os, sys, sysconfig, _json
print(os.path.realpath(sys.executable), sysconfig.get_paths()["stdlib"], os.path.dirname(_json.__file__))')
  put "$root" "$exe"
  mkdir -p "$root$stdlib"
  # The standard library without its tests, GUI toolkits and caches.
  # (A dangling symlink there must not stop the copy.)
  { tar -C "$stdlib" --exclude=__pycache__ --exclude=./test --exclude=./idlelib --exclude=./tkinter \
      --exclude=./turtledemo --exclude=./ensurepip --exclude=./lib2to3 --exclude=./site-packages \
      --exclude=./dist-packages -chf - . 2>/dev/null || true; } | tar -C "$root$stdlib" -xf -
  [ "$dynload" = "$stdlib/lib-dynload" ] || { mkdir -p "$root$dynload"; cp -L "$dynload"/*.so "$root$dynload/"; }
  put_libs "$root" "$exe" $(elf_files "$root$dynload" | sed "s|^$root||")
  mkdir -p "$root/usr/local/bin"
  [ "$exe" = /usr/local/bin/python3 ] || ln -s "$exe" "$root/usr/local/bin/python3"
  import_rootfs "$root" "$1" -c 'ENV LANG=C.UTF-8' \
    -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
  rm -rf "$root"
}

java_home() {
  local javac
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/javac" ]; then echo "$JAVA_HOME"; return; fi
  javac=$(command -v javac) || { log "a JDK (javac) is needed to make local Java bases"; exit 1; }
  dirname "$(dirname "$(readlink -f "$javac")")"
}

make_java_base() {  # $1 = image name, $2 = modules for jlink
  local home root
  home=$(java_home)
  root=$(mktemp -d -p "$work")
  mkdir -p "$root/opt/java"
  if [ -d "$home/jmods" ] && "$home/bin/jlink" --add-modules "$2" --strip-debug --no-header-files \
      --no-man-pages --compress=2 --output "$root/opt/java/openjdk" >/dev/null 2>&1; then
    :
  else
    log "jlink is not usable here; copying the whole JDK from $home"
    cp -rL "$home" "$root/opt/java/openjdk"
  fi
  put_libs "$root" $(elf_files "$root/opt/java/openjdk")
  import_rootfs "$root" "$1" -c 'ENV JAVA_HOME=/opt/java/openjdk' -c 'ENV LANG=C.UTF-8' \
    -c 'ENV PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
  rm -rf "$root"
}

# jdk.zipfs: javac reads the jars on its class path (Jackson, for the handler SDK) through it.
make_jdk_base() { make_java_base "$1" java.base,jdk.compiler,jdk.zipfs; }
make_jre_base() { make_java_base "$1" java.base; }

# --- the images -------------------------------------------------------------------------------

python_image=$(pick_base python:3.12-slim taskdaemon-examples/base-python:local make_python_base)
# The tag names what the base holds, so that a base made for an older version of this script is not reused.
jdk_image=$(pick_base eclipse-temurin:17-jdk taskdaemon-examples/base-jdk:local-zipfs make_jdk_base)
jre_image=$(pick_base eclipse-temurin:17-jre taskdaemon-examples/base-jre:local make_jre_base)

build() {  # $1 = image, $2 = Dockerfile, $3 = build context, then more `docker build` options
  local image=$1 file=$2 context=$3; shift 3
  local out before
  before=$(image_id "$image")
  # --force-rm: a failed step leaves no stopped container behind.
  if ! out=$(docker build --force-rm -f "$handlers/$file" "$@" -t "$image" "$context" 2>&1); then
    printf '%s\n' "$out" >&2
    log "building $image from handlers/$file failed"
    exit 1
  fi
  drop_replaced "$before" "$image"
  log "built $image from handlers/$file"
}

build taskdaemon-examples/wordcount:latest wordcount.Dockerfile "$handlers" --build-arg "PYTHON_IMAGE=$python_image"

# The primes context: the handler, the SDK's sources and Jackson's jars.
primes_context="$work/primes"
mkdir -p "$primes_context/sdk"
cp "$handlers/Primes.java" "$primes_context/"
cp -R "$root/taskdaemon-handler/src/main/java/." "$primes_context/sdk/"
command -v mvn >/dev/null 2>&1 || { log "Maven (mvn) is needed to fetch Jackson for the primes image"; exit 1; }
if ! out=$(mvn -B -q -f "$root/taskdaemon-handler/pom.xml" dependency:copy-dependencies -DincludeScope=runtime \
    "-DoutputDirectory=$primes_context/lib" 2>&1); then
  printf '%s\n' "$out" >&2
  log "Maven could not copy the handler SDK's dependencies (Jackson)"
  exit 1
fi
(cd "$primes_context" && { find sdk -name '*.java' | sort; echo Primes.java; } > sources.txt)

java_args=(--build-arg "JDK_IMAGE=$jdk_image" --build-arg "JRE_IMAGE=$jre_image")
# The compile stage gets a tag of its own, so that an image it replaces can be dropped like the others.
build taskdaemon-examples/primes:build primes.Dockerfile "$primes_context" "${java_args[@]}" --target build
build taskdaemon-examples/primes:latest primes.Dockerfile "$primes_context" "${java_args[@]}"

# A smoke test of each image as a handler: one request in, one response out.
smoke() {  # $1 = image, $2 = task_data, $3 = expected text in the response
  local out
  out=$(printf '{"task_id":"smoke","task_type":"smoke","task_data":%s,"attempt":1}\n' "$2" \
    | docker run -i --rm --init --network none "$1" 2>/dev/null)
  case "$out" in
    *"$3"*) log "$1 answers: $out" ;;
    *) log "$1 gave an unexpected answer: '$out'"; exit 1 ;;
  esac
}
smoke taskdaemon-examples/wordcount:latest '{"text":"to be or not to be"}' '"words":6'
smoke taskdaemon-examples/primes:latest '{"from":0,"to":100}' '"count":25'
