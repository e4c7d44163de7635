# The "primes" handler in Java, written with the handler SDK: compiled with a JDK, run on a JRE.
# examples/docker/build-images.sh assembles the build context: Primes.java, the SDK's sources
# (sdk/), Jackson's jars (lib/) and sources.txt, the list of files to compile.
# JDK_IMAGE and JRE_IMAGE let the script substitute bases made locally when no registry is
# reachable; any images with javac and java (17 or later) on their PATH will do.
ARG JDK_IMAGE=eclipse-temurin:17-jdk
ARG JRE_IMAGE=eclipse-temurin:17-jre

FROM ${JDK_IMAGE} AS build
WORKDIR /src
COPY lib/ /app/lib/
COPY sdk/ sdk/
COPY Primes.java sources.txt ./
RUN ["javac", "-encoding", "UTF-8", "-cp", "/app/lib/*", "-d", "/app/classes", "@sources.txt"]

FROM ${JRE_IMAGE}
COPY --from=build /app /app
USER 65534:65534
# A handler lives long but does little: a small serial heap, no perf-data file (the root file
# system may be read-only), quick start. java expands the lib/* wildcard itself.
CMD ["java", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData", "-cp", "/app/classes:/app/lib/*", "Primes"]
