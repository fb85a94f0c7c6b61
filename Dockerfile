# UnionHub application image: the same commands as scripts/ run, on Debian 12 with GDAL and GEOS.
# Fonts: Noto CJK for the membership card (Pillow), WenQuanYi Micro Hei (TrueType) for the reports' PDFs
# (ReportLab embeds TrueType only; unionhub/reports/documents.py).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=unionhub.settings
RUN apt-get update \
 && apt-get install -y --no-install-recommends gdal-bin libgeos-c1v5 libproj25 gettext fonts-noto-cjk fonts-wqy-microhei \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml constraints.txt README.md ./
RUN pip install --no-cache-dir -c constraints.txt .
COPY . .
# Production static files (hashed names and their manifest) are collected with DEBUG off; the
# keys below exist only for this build step, the running container reads its own from .env.
RUN python manage.py compilemessages --ignore=.venv -v0 \
 && DEBUG=false SECRET_KEY=build-only FIELD_ENCRYPTION_KEY=YnVpbGQtb25seS1idWlsZC1vbmx5LWJ1aWxkLW9ubHkh \
    FIELD_HASH_KEY=YnVpbGQtb25seS1idWlsZC1vbmx5LWJ1aWxkLW9ubHkh python manage.py collectstatic --no-input -v0

RUN useradd --system --home /app unionhub && mkdir -p /app/media && chown unionhub /app/media
USER unionhub
EXPOSE 8000
# web: the default command; worker and beat override it in docker-compose.yml.
CMD ["gunicorn", "unionhub.wsgi:application", "--preload", "--bind", "0.0.0.0:8000", "--workers", "5", "--access-logfile", "-"]
