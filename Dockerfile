# syntax=docker/dockerfile:1
# The app image: a locked venv built with uv, static files collected, gunicorn as PID 1.
#
# Base image pinned by digest: python:3.12-slim-bookworm (3.12.7), the digest recorded for
# that tag in github.com/nalabelle/build images/digests.Dockerfile (Renovate-maintained)
# and used as python:3.12-slim-bookworm@sha256:032c... by other public Dockerfiles.
# Dependabot's docker ecosystem proposes newer digests; both stages must move together.

# --- build: resolve the locked runtime dependencies into /app/.venv ---------------------
FROM python:3.12-slim-bookworm@sha256:032c52613401895aa3d418a4c563d2d05f993bc3ecc065c8f4e2280978acd249 AS build
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN pip install --no-cache-dir uv==0.13.9
WORKDIR /app
COPY pyproject.toml uv.lock ./
# Runtime dependencies only: --no-default-groups keeps the `infra` group (pulumi,
# pulumi-gcp) out, --no-dev the test tooling. --locked fails if uv.lock is stale.
RUN uv sync --locked --no-default-groups --no-dev --no-install-project --no-cache
COPY app/ ./
# Static files are hashed and compressed here, once, never at container start. The
# production settings demand a key, hosts and a database host; these placeholders exist
# only for collectstatic and nothing connects to a database.
# Then the app's own bytecode, all of it (uv compiled the venv; collectstatic wrote only
# what it imported): the runtime sets PYTHONDONTWRITEBYTECODE and its files are read-only,
# so a module without a .pyc here would be compiled again at every cold start.
RUN DJANGO_SETTINGS_MODULE=config.settings.production \
    DJANGO_SECRET_KEY=collectstatic-placeholder-not-a-secret-never-used-at-runtime \
    DJANGO_ALLOWED_HOSTS=build.invalid \
    DB_HOST=build.invalid \
    /app/.venv/bin/python manage.py collectstatic --noinput --verbosity 0 \
    && /app/.venv/bin/python -m compileall -q -j 0 -x '/app/\.venv/' /app

# --- runtime: the venv, the code and the collected static files; no build tools ----------
FROM python:3.12-slim-bookworm@sha256:032c52613401895aa3d418a4c563d2d05f993bc3ecc065c8f4e2280978acd249 AS runtime
# The git sha of the build (CI passes --build-arg APP_VERSION=$GITHUB_SHA); /health/ready/
# and the logs report it.
ARG APP_VERSION=unknown
ENV PATH="/app/.venv/bin:$PATH" \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    PORT=8080 \
    APP_VERSION=${APP_VERSION}
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin app
WORKDIR /app
# Owned by root and only readable by the app user: the process cannot rewrite its code.
COPY --from=build /app /app
USER 10001:10001
EXPOSE 8080
# No HEALTHCHECK: Cloud Run ignores it and probes /health/live/ and /health/ready/ itself
# (startup and liveness probes declared by the infra).
# Exec form: gunicorn is PID 1 and receives Cloud Run's SIGTERM directly.
CMD ["gunicorn", "--config", "config/gunicorn.py", "config.wsgi"]
