# The nhansu worker, HTTP API and CLI. Production configuration comes from the environment (see
# docker-compose.yml); the embedded PostgreSQL/Temporal fallbacks are not meant for containers.
ARG PYTHON_VERSION=3.11
FROM python:${PYTHON_VERSION}-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin nhansu

WORKDIR /app
# Listed one by one rather than `COPY . .`, which would send .venv and .nhansu (local
# databases, the payload key) without a .dockerignore. tests/unit/test_compose.py checks that
# every package pyproject.toml installs is copied.
COPY pyproject.toml *.md *.py ./
COPY domain/ domain/
COPY workflows/ workflows/
COPY activities/ activities/
COPY eventstore/ eventstore/
COPY reads/ reads/
COPY application/ application/
COPY encryption/ encryption/
COPY procedures/ procedures/
COPY cli/ cli/
COPY local_services/ local_services/
COPY audit/ audit/
COPY identity/ identity/
COPY api/ api/
COPY web/ web/
COPY requirements/main.lock requirements/main.lock
# Pinned and hashed (make lock); no embedded PostgreSQL or Temporal binaries in the image: a
# container is configured with DATABASE_URL and TEMPORAL_ADDRESS.
RUN pip install --require-hashes -r requirements/main.lock && pip install --no-deps .

USER nhansu
# settings.py defaults the data dir next to itself, i.e. inside site-packages once installed.
ENV NHANSU_DATA_DIR=/home/nhansu/.nhansu \
    NHANSU_LOG_FORMAT=json

CMD ["python", "worker.py"]
