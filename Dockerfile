# syntax=docker/dockerfile:1
#
# Image de production de Mentorat : une seule image pour le web (gunicorn), le worker
# Celery, beat et la commande de migration (voir docker-compose.yml et docs/deploiement.md).

FROM python:3.11-slim-bookworm

# hadolint ignore=DL3064
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=mentorat.settings \
    MEDIA_ROOT=/data/media \
    PRIVATE_MEDIA_ROOT=/data/private \
    WEB_CONCURRENCY=3

# Bibliothèques dont WeasyPrint a besoin à l'exécution (liste de sa documentation pour
# Debian ≥ 11, installation par wheels) et des polices pour les PDF. Les versions suivent
# la Debian de l'image de base (bookworm), d'où l'absence d'épinglage.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz0b \
        libharfbuzz-subset0 \
        fonts-dejavu-core \
        fonts-liberation \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 mentorat \
    && useradd --system --uid 10001 --gid mentorat --create-home --home-dir /home/mentorat \
        --shell /usr/sbin/nologin mentorat \
    && install -d -o mentorat -g mentorat -m 0750 /data /data/media /data/private

WORKDIR /app

# Dépendances d'abord (couche mise en cache tant que le verrou ne change pas) : versions
# et empreintes figées, aucune résolution, uniquement des wheels (pas de compilateur ici).
COPY requirements/base.lock requirements/base.lock
RUN pip install --require-hashes --no-deps --only-binary :all: -r requirements/base.lock

# Le code appartient à root : l'utilisateur de l'application le lit sans pouvoir le modifier.
# L'application de démonstration (demo/ : seed_demo, seed_scale) n'y entre pas (.dockerignore).
COPY . .

# Fichiers statiques compressés et versionnés (WhiteNoise) produits une fois pour toutes.
# DEBUG=False choisit le stockage « manifest » ; la clé ne sert qu'à charger les réglages.
RUN SECRET_KEY=construction-seulement-jamais-en-production DEBUG=False \
    python manage.py collectstatic --noinput

USER 10001:10001

EXPOSE 8000

# /sante/ vérifie la base et Redis. La sonde se présente comme la passerelle TLS
# (X-Forwarded-Proto) et avec le premier nom d'ALLOWED_HOSTS, pour ne pas être redirigée
# vers HTTPS ni refusée par Django. Les services worker et beat la remplacent.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as r; h = os.environ.get('ALLOWED_HOSTS', 'localhost').split(',')[0].strip().lstrip('.'); h = h if h not in ('', '*') else 'localhost'; r.urlopen(r.Request('http://127.0.0.1:8000/sante/', headers={'Host': h, 'X-Forwarded-Proto': 'https'}), timeout=4)"]

# Processus : WEB_CONCURRENCY (3 par défaut, environ 2 × cœurs + 1) × 4 fils. Un fil bloqué
# plus de 60 s est relancé ; la base coupe déjà toute requête SQL au bout de 30 s.
CMD ["gunicorn", "mentorat.wsgi:application", \
     "--bind", "0.0.0.0:8000", \
     "--worker-class", "gthread", \
     "--threads", "4", \
     "--timeout", "60", \
     "--graceful-timeout", "30", \
     "--keep-alive", "5", \
     "--max-requests", "2000", \
     "--max-requests-jitter", "200", \
     "--worker-tmp-dir", "/dev/shm", \
     "--access-logfile", "-", \
     "--logger-class", "mentorat.journaux.JournalGunicorn", \
     "--error-logfile", "-"]
