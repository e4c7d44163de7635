# The "primes" handler in Java: compiled with a JDK, run on a JRE.
#   docker build -f primes.Dockerfile -t taskdaemon-examples/primes .
# JDK_IMAGE and JRE_IMAGE let examples/docker/build-images.sh substitute bases made locally when no
# registry is reachable; any images with javac and java (17 or later) on their PATH will do.
ARG JDK_IMAGE=eclipse-temurin:17-jdk
ARG JRE_IMAGE=eclipse-temurin:17-jre

FROM ${JDK_IMAGE} AS build
WORKDIR /src
COPY Primes.java .
RUN ["javac", "-encoding", "UTF-8", "-d", "/out", "Primes.java"]

FROM ${JRE_IMAGE}
COPY --from=build /out /app
USER 65534:65534
# A handler lives long but does little: a small serial heap, no perf-data file (the root file
# system may be read-only), quick start.
CMD ["java", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData", "-cp", "/app", "Primes"]
