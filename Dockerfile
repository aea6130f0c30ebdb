# The production image: one image for web (daphne), worker and beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=marketplace.settings.prod \
    PYTHONPATH=/app

WORKDIR /app

# Dependencies first (cached while only the code changes), every version pinned by the lock.
# Only the runtime dependencies of pyproject.toml (no test tools, no embedded servers).
COPY pyproject.toml requirements.lock ./
RUN python -c "import tomllib; print(*tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies'], sep='\n')" > /tmp/runtime.txt \
    && pip install -c requirements.lock -r /tmp/runtime.txt

COPY . .
RUN SECRET_KEY=build-only-collectstatic-key-not-used-at-runtime-0123456789 \
       STRIPE_SECRET_KEY=sk_build_only STRIPE_WEBHOOK_SECRET=whsec_build_only \
       STRIPE_PUBLISHABLE_KEY=pk_build_only DATABASE_URL=postgres://build-only/unused \
       python manage.py collectstatic --noinput \
    && useradd --system --uid 1000 --home-dir /app app \
    && mkdir -p /app/media && chown app /app/media

USER app
EXPOSE 8000
# web; docker-compose.yml runs the worker and beat from the same image with other commands.
CMD ["python", "-m", "marketplace.webnode", "-b", "0.0.0.0", "-p", "8000", "marketplace.asgi:application"]
