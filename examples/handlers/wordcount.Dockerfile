# The "wordcount" handler in Python, standard library only.
#   docker build -f wordcount.Dockerfile -t taskdaemon-examples/wordcount .
# PYTHON_IMAGE lets examples/docker/build-images.sh substitute a base made locally when no registry
# is reachable; any image with python3 (3.8 or later) on its PATH will do.
ARG PYTHON_IMAGE=python:3.12-slim
FROM ${PYTHON_IMAGE}
COPY wordcount.py /app/wordcount.py
ENV PYTHONDONTWRITEBYTECODE=1
USER 65534:65534
CMD ["python3", "/app/wordcount.py"]
