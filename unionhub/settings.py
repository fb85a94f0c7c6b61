"""UnionHub settings: one module, every value from the environment.

Typed helpers read each variable and fail at start-up on a bad value. Secrets have no
insecure defaults outside DEBUG. The test suite adds a thin overlay (settings_test.py).
"""

import os
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)


def secret(name: str, dev_default: str) -> str:
    """A secret from the environment; only DEBUG may fall back to a development value."""
    value = os.environ.get(name)
    if value:
        return value
    if DEBUG:
        return dev_default
    raise ImproperlyConfigured(f"{name} must be set when DEBUG is off")


SECRET_KEY = secret("SECRET_KEY", "dev-only-secret-key-change-me-0123456789abcdefghijklmnopqrstuvwxyz")
# Personal data: AES-GCM key and HMAC key, 32 bytes each, base64 (see unionhub/core/crypto.py).
FIELD_ENCRYPTION_KEY = secret("FIELD_ENCRYPTION_KEY", "ZGV2LW9ubHktZmllbGQta2V5LTMyLWJ5dGVzLWxvbmch")
FIELD_HASH_KEY = secret("FIELD_HASH_KEY", "ZGV2LW9ubHktaGFzaC1rZXktMzItYnl0ZXMtbG9uZyEh")
# Former encryption keys that still decrypt until `manage.py rotate_field_key` has re-encrypted everything.
FIELD_ENCRYPTION_OLD_KEYS = [k for k in os.environ.get("FIELD_ENCRYPTION_OLD_KEYS", "").split(",") if k.strip()]

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The public host name(s) (finder, join, grievances); the admin is never served there.
PUBLIC_HOSTS = env.list("PUBLIC_HOSTS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "rest_framework_gis",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "leaflet",
    "simple_history",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    # Layer order, lowest first: core <- zones <- stations <- members <- events <- reports.
    "unionhub.core",
    "zones",
    "stations",
    "members",
    "events",
    "unionhub.reports",
    "unionhub.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "unionhub.core.middleware.SessionRenewalMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "unionhub.core.middleware.PublicHostMiddleware",
    "unionhub.core.middleware.NoStoreByDefaultMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last: turns a lockout found during authentication into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "unionhub.urls"
WSGI_APPLICATION = "unionhub.wsgi.application"
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "admin:login"
# Axes first: it refuses locked-out accounts and addresses before any password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

DATABASES = {"default": env.db_url("DATABASE_URL", default="postgis://postgres@127.0.0.1:5432/unionhub")}
if DATABASES["default"]["ENGINE"] != "django.contrib.gis.db.backends.postgis":
    raise ImproperlyConfigured("DATABASE_URL must use the postgis:// scheme")
# The first PostGIS query on a connection costs ~24 ms: keep connections open.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# A streaming replica for dashboards and reports (see unionhub/core/dbrouting.py), if any.
if env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = {
        **env.db_url("DATABASE_REPLICA_URL"),
        "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
        "CONN_HEALTH_CHECKS": True,
        "TEST": {"MIRROR": "default"},
    }
DATABASE_ROUTERS = ["unionhub.core.dbrouting.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env.str("CACHE_URL", default=REDIS_URL),
        "KEY_PREFIX": "unionhub",
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Security: strict in production, relaxed only where DEBUG serves plain http on localhost.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
# The age counts from the last request (expiry after inactivity), renewed at most this often
# (unionhub.core.middleware.SessionRenewalMiddleware).
SESSION_RENEW_SECONDS = env.int("SESSION_RENEW_SECONDS", default=60)
# How long the dashboard keeps what a scope's figures worked out, at most (a refresh starts anew); 0: not kept.
DASHBOARD_CACHE_SECONDS = env.int("DASHBOARD_CACHE_SECONDS", default=900)
X_FRAME_OPTIONS = "DENY"
FORMS_URLFIELD_ASSUME_HTTPS = True
SECURE_CONTENT_TYPE_NOSNIFF = True

# Staff log-in (unionhub/core/auth, docs/security.md). Failed attempts are counted per account
# and per address; either reaching the limit within the lockout time locks it out until the
# time has passed or federation staff unlock it. Wrong second-factor codes count as failures.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_LOCKOUT_CALLABLE = "unionhub.core.auth.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "unionhub.core.auth.lockout.client_ip"
AXES_RESET_ON_SUCCESS = False  # a success from a shared address must not wipe an attacker's count
AXES_ENABLE_ADMIN = False  # core.admin shows the attempts to superusers only
AXES_VERBOSE = False
# Masked in the stored attempts and log lines (the password always is).
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code"]
# How many reverse proxies (each appending to X-Forwarded-For) stand in front of gunicorn.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# Roles that must pass a second factor (TOTP or an SMS code) at log-in; superusers too. Empty
# turns enforcement off; anyone with a device still uses it.
TWO_FACTOR_ROLES = env.list("TWO_FACTOR_ROLES", default=["federation_staff", "leadership"])
OTP_TOTP_ISSUER = "UnionHub"
# The security log (core.SecurityEvent: log-ins, lockouts, reveals, exports, role changes) is kept this
# many days, then purged nightly; the Cybersecurity Law (art. 21) asks for at least six months.
SECURITY_LOG_RETENTION_DAYS = env.int("SECURITY_LOG_RETENTION_DAYS", default=190)
if SECURITY_LOG_RETENTION_DAYS < 184:
    raise ImproperlyConfigured("SECURITY_LOG_RETENTION_DAYS must be at least 184 (six months)")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["unionhub.core.api.filters.ScopedFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "unionhub.core.api.pagination.IdCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "unionhub.core.api.exceptions.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # Public pages (no log-in) are rate-limited per client address, counted in the Redis cache.
    "DEFAULT_THROTTLE_RATES": {
        "public": env.str("PUBLIC_RATE", default="120/min"),
        "public-form": env.str("PUBLIC_FORM_RATE", default="20/min"),
        # Checks on the grievance tracking page (code + phone digits or PIN): per client address, and
        # per tracking code whoever asks, so that neither codes nor a code's secret can be guessed.
        "public-track": env.str("PUBLIC_TRACK_RATE", default="30/hour"),
        "public-track-code": env.str("PUBLIC_TRACK_CODE_RATE", default="10/day"),
        # Open311 POST requests, per API key (events.open311).
        "public-open311": env.str("OPEN311_POST_RATE", default="60/min"),
    },
    # The same proxy count as the log-in lockout's (TRUSTED_PROXY_COUNT): one notion of the client address.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "UnionHub API",
    "DESCRIPTION": "Zones, grassroots unions, stations and members of a union federation.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        # OpenAPI links from creates, actions and lists to the detail operations they lead to.
        "unionhub.core.api.schema_links.add_links",
    ],
    "ENUM_NAME_OVERRIDES": {
        "AssigneeKindEnum": "events.choices.AssigneeKind",
        "GrievanceEventKindEnum": "events.choices.GrievanceEventKind",
        "GrievanceCategoryEnum": "events.choices.GrievanceCategory",
        "GrievanceStatusEnum": "events.choices.GrievanceStatus",
        "GrievanceChannelEnum": "events.choices.GrievanceChannel",
        "EscalationLevelEnum": "events.choices.EscalationLevel",
        "GrievanceTierEnum": "events.choices.GrievanceTier",
        # The name the zones' resource categories had before grievances brought a second "category".
        "CategoryEnum": "zones.choices.ResourceCategory",
        "FederationKindEnum": "unionhub.core.choices.FederationKind",
        "ZoneKindEnum": "zones.choices.ZoneKind",
        "StationKindEnum": "stations.choices.StationKind",
        # Two choice sets answer to "occupation": a member's, and the short list a check-in asks.
        "OccupationEnum": "members.choices.Occupation",
        # What a member's correction is about; "FieldEnum" stays the reveal's (phone, ID number).
        "CorrectionFieldEnum": "members.choices.CorrectionField",
        "FieldEnum": "members.api.serializers.REVEAL_FIELDS",
        "CheckInOccupationEnum": "stations.choices.Occupation",
        "RoleEnum": "unionhub.core.choices.Role",
        "FindingKindEnum": "zones.choices.FindingKind",
        "TransferSideEnum": "members.choices.TransferSide",
        "HardshipStatusEnum": "members.choices.HardshipStatus",
        "HardshipReasonEnum": "members.choices.HardshipReason",
        "SuggestionStatusEnum": "members.choices.SuggestionStatus",
        "SuggestionSourceEnum": "members.choices.SuggestionSource",
        "DisbursementMethodEnum": "members.choices.DisbursementMethod",
        "ReportKindEnum": "unionhub.reports.models.ReportKind",
        "ReportStatusEnum": "unionhub.reports.models.ReportStatus",
    },
}

# Content Security Policy (django-csp; docs/security.md). Scripts only from our own origin or with
# the per-response nonce (django-leaflet's widget and map tags carry it); styles may be inline
# (the admin and Leaflet set style attributes); map tiles from the configured basemap's hosts.
TILE_HOSTS = env.list("TILE_HOSTS", default=["https://*.tianditu.gov.cn"])
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],  # the response's own nonce
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:", *TILE_HOSTS],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'"],
        "manifest-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Maps: no basemap is fetched unless TIANDITU_KEY is set (tests and intranets run without tiles).
TIANDITU_KEY = env.str("TIANDITU_KEY", default="")
LEAFLET_CONFIG = {
    "DEFAULT_CENTER": (29.87, 121.55),  # Ningbo
    "DEFAULT_ZOOM": 9,
    "MIN_ZOOM": 3,
    "MAX_ZOOM": 18,
    "RESET_VIEW": False,
    "NO_GLOBALS": False,
    "TILES": (
        [
            (
                _("Tianditu vector"),
                "https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
                "&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}"
                "&TILECOL={x}&tk=" + TIANDITU_KEY,
                {"subdomains": "01234567", "attribution": "天地图"},
            )
        ]
        if TIANDITU_KEY
        else []
    ),
}

# Celery: Redis broker; long tasks acknowledged late, visibility timeout above the longest limit.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=30 * 60)  # seconds
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT * 5 // 6
# An unacknowledged message is delivered again after this long: it must exceed the time limit,
# or a task still running would be started a second time beside itself.
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=4 * CELERY_TASK_TIME_LIMIT)
if CELERY_VISIBILITY_TIMEOUT <= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured("CELERY_VISIBILITY_TIMEOUT must be longer than CELERY_TASK_TIME_LIMIT")
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    # How often a worker looks for messages whose worker died (kombu's default is 10 s), and
    # every time: kombu otherwise looks only every 10th time (unacked_restore_throttle), so a
    # killed worker's messages came back after 80 s, 10 of them a look, and the last of
    # tests/faults/test_celery_kills.py's after more than its 180 s.
    "unacked_restore_interval": min(10, CELERY_VISIBILITY_TIMEOUT),
    "unacked_restore_throttle": 1,
    # The look takes a lock in Redis for a few milliseconds; a worker killed while holding it
    # would hold back every other worker's look until it expires (kombu's default: 300 s).
    "unacked_mutex_expire": min(300, CELERY_VISIBILITY_TIMEOUT),
}
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {"reports.*": {"queue": "reports"}, "notify.*": {"queue": "notify"}}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Default schedules; created in django-celery-beat only where missing (core.beat), so that
# edits made in the admin survive restarts.
UNIONHUB_BEAT_SCHEDULE = {
    "relay outbox": {"task": "core.relay_outbox", "schedule": 15.0},
    "sweep lost deliveries": {"task": "notify.sweep_deliveries", "schedule": 600.0},
    # 00:30 on the first day of each quarter, and hourly after that day's start in case a zone
    # or union was added: planning only adds what is missing.
    "union indicators": {"task": "zones.compute_union_indicators", "schedule": crontab(minute=40, hour=2)},
    "union member figures": {"task": "members.update_union_member_figures", "schedule": crontab(minute=50, hour=2)},
    # Leads for hardship aid (visit findings, repeated aid) for staff to review; never a payout.
    "hardship suggestions": {"task": "members.flag_hardship_suggestions", "schedule": crontab(minute=10, hour=4)},
    "heat maps": {"task": "stations.refresh_heat_maps", "schedule": crontab(minute=30, hour=3)},
    # Mondays 09:10: stations with no weekly check last week become work for their zone.
    "missed station checks": {
        "task": "stations.flag_missed_upkeep_checks",
        "schedule": crontab(minute=10, hour=9, day_of_week=1),
    },
    "union cadres trained": {"task": "events.update_cadres_trained", "schedule": crontab(minute=0, hour=3)},
    "expire activity offers": {"task": "events.expire_offers", "schedule": 60.0},
    "record activity no-shows": {"task": "events.record_no_shows", "schedule": crontab(minute=10)},
    # Grievances: reminders before the due time and escalation when overdue, every 15 minutes in
    # office hours; each November from the 1st, a daily check that next year's calendar is there.
    "grievance deadlines": {
        "task": "events.check_grievance_deadlines",
        "schedule": crontab(minute="*/15", hour="7-20"),
    },
    "working-day calendar": {
        "task": "events.check_working_day_calendar",
        "schedule": crontab(minute=0, hour=9, month_of_year="11,12"),
    },
    "visit reminders": {
        "task": "zones.send_visit_reminders",
        "schedule": crontab(minute=5, hour="9-17"),
    },
    "plan quarterly visits": {
        "task": "zones.generate_visit_plans",
        "schedule": crontab(minute=30, hour="*", day_of_month="1-3", month_of_year="1,4,7,10"),
    },
    "purge delivered outbox": {"task": "core.purge_outbox", "schedule": crontab(hour=3, minute=17)},
    "purge security log": {"task": "core.purge_security_log", "schedule": crontab(hour=3, minute=43)},
    "expire roster files": {"task": "members.expire_roster_files", "schedule": crontab(minute=25)},
    "expire hotline files": {"task": "events.expire_hotline_files", "schedule": crontab(minute=27)},
    # Withdrawn members older than MEMBER_RETENTION_DAYS lose their personal data (batched, idempotent).
    "anonymise withdrawn members": {"task": "members.anonymise_withdrawn", "schedule": crontab(hour=4, minute=25)},
    # The dashboard's summary table: the current and previous month every five minutes, every
    # month of its history nightly (unionhub/reports/summaries.py says why).
    "dashboard figures": {"task": "reports.refresh_dashboard_figures", "schedule": 300.0},
    "dashboard figures, history": {"task": "reports.rebuild_dashboard_figures", "schedule": crontab(minute=20, hour=3)},
    # 04:30 on the first day of each quarter, after the night's rebuild of the summary table: every
    # federation node's and zone's report for the quarter just ended (docs/dashboards.md).
    "quarterly reports": {
        "task": "reports.build_quarterly_reports",
        "schedule": crontab(minute=30, hour=4, day_of_month=1, month_of_year="1,4,7,10"),
    },
}

# Zone work: remind workers of unvisited unions when this many days of the quarter are left,
# and their chief and instructor in the last VISIT_ESCALATION_DAYS_LEFT days; never in quiet hours.
VISIT_REMINDER_DAYS_LEFT = env.int("VISIT_REMINDER_DAYS_LEFT", default=30)
VISIT_ESCALATION_DAYS_LEFT = env.int("VISIT_ESCALATION_DAYS_LEFT", default=14)
# Activities: how long a worker promoted from the waiting list has to confirm the place.
ACTIVITY_OFFER_HOURS = env.int("ACTIVITY_OFFER_HOURS", default=24)
# Grievances (docs/grievances.md): working days to resolve, per tier (一般, 难点, 特别复杂), counted from
# verification; a reminder this many working days before the due time; a grievance overdue at the
# township level for GRIEVANCE_COUNTY_AFTER_WORKING_DAYS more working days goes to the county; closing
# without the worker's evaluation needs this many logged contact attempts (or, with no phone to call,
# the evaluation window to have passed).
GRIEVANCE_TIER_WORKING_DAYS = {
    "general": env.int("GRIEVANCE_GENERAL_WORKING_DAYS", default=5),
    "difficult": env.int("GRIEVANCE_DIFFICULT_WORKING_DAYS", default=15),
    "very_complex": env.int("GRIEVANCE_VERY_COMPLEX_WORKING_DAYS", default=30),
}
GRIEVANCE_REMIND_WORKING_DAYS = env.int("GRIEVANCE_REMIND_WORKING_DAYS", default=1)
GRIEVANCE_COUNTY_AFTER_WORKING_DAYS = env.int("GRIEVANCE_COUNTY_AFTER_WORKING_DAYS", default=5)
GRIEVANCE_CLOSE_CONTACT_ATTEMPTS = env.int("GRIEVANCE_CLOSE_CONTACT_ATTEMPTS", default=3)
GRIEVANCE_EVALUATION_WORKING_DAYS = env.int("GRIEVANCE_EVALUATION_WORKING_DAYS", default=5)
# The workers' public grievance pages: photos one grievance may carry from the form, and how long a
# tracking page stays open in the browser's session after the code and phone digits (or PIN) were right.
GRIEVANCE_PUBLIC_MAX_PHOTOS = env.int("GRIEVANCE_PUBLIC_MAX_PHOTOS", default=3)
GRIEVANCE_TRACK_ACCESS_MINUTES = env.int("GRIEVANCE_TRACK_ACCESS_MINUTES", default=20)
# Open311 GeoReport v2 (events.open311): the discovery document's contact and where keys are asked
# for, and the most requests one GET answers.
OPEN311_CONTACT = env.str("OPEN311_CONTACT", default="12351")
OPEN311_KEY_SERVICE = env.str("OPEN311_KEY_SERVICE", default="Ask the federation's staff for an API key.")
OPEN311_MAX_RESULTS = env.int("OPEN311_MAX_RESULTS", default=1000)
# Hotline ticket imports (events.hotline): the largest file and the most rows.
HOTLINE_MAX_UPLOAD_MB = env.int("HOTLINE_MAX_UPLOAD_MB", default=20)
HOTLINE_MAX_ROWS = env.int("HOTLINE_MAX_ROWS", default=20_000)
# The membership card's font (Debian's fonts-noto-cjk; a .ttc's Simplified Chinese face is used).
CARD_FONT_PATH = env.str("CARD_FONT_PATH", default="/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
CARD_FONT_BOLD_PATH = env.str("CARD_FONT_BOLD_PATH", default="/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc")

# Quarterly and ad-hoc reports (unionhub/reports/documents.py, docs/dashboards.md): the language
# they are written in, the zones' visit target named in the narrative (and the share of evaluated
# grievances with a satisfied worker under which a zone is named, and the share of a hardship
# budget left under which the narrative warns that it is nearly spent), the PDF's embeddable
# TrueType CJK font (empty: the first one found, else ReportLab's built-in STSong-Light), and
# the fonts the Word document names for its title and body (公文: 方正小标宋, 仿宋).
REPORT_LANGUAGE = env.str("REPORT_LANGUAGE", default="zh-hans")
REPORT_VISIT_TARGET_PERCENT = env.float("REPORT_VISIT_TARGET_PERCENT", default=80.0)
REPORT_SATISFACTION_TARGET_PERCENT = env.float("REPORT_SATISFACTION_TARGET_PERCENT", default=80.0)
REPORT_BUDGET_LEFT_WARNING_PERCENT = env.float("REPORT_BUDGET_LEFT_WARNING_PERCENT", default=10.0)
REPORT_PDF_FONT_PATH = env.str("REPORT_PDF_FONT_PATH", default="")
REPORT_DOCX_TITLE_FONT = env.str("REPORT_DOCX_TITLE_FONT", default="方正小标宋简体")
REPORT_DOCX_BODY_FONT = env.str("REPORT_DOCX_BODY_FONT", default="仿宋_GB2312")
QUIET_HOURS = tuple(env.list("QUIET_HOURS", cast=int, default=[21, 8]))  # start hour, end hour (local)
# Roster import and export (members.roster): uploads are deleted once imported, or abandoned after
# ROSTER_UPLOAD_TTL_HOURS; export files are deleted MEMBER_EXPORT_TTL_HOURS after they were made.
ROSTER_MAX_UPLOAD_MB = env.int("ROSTER_MAX_UPLOAD_MB", default=50)
ROSTER_MAX_ROWS = env.int("ROSTER_MAX_ROWS", default=200_000)
ROSTER_UPLOAD_TTL_HOURS = env.int("ROSTER_UPLOAD_TTL_HOURS", default=24)
MEMBER_EXPORT_TTL_HOURS = env.int("MEMBER_EXPORT_TTL_HOURS", default=72)
# Withdrawn members' personal data (and every copy, change history included) is erased this many days
# after they left, by the nightly members.anonymise_withdrawn; the counts survive.
MEMBER_RETENTION_DAYS = env.int("MEMBER_RETENTION_DAYS", default=730)

# Notifications: e-mail through Django; SMS through a backend (console in development).
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="unionhub@localhost")
SMS_BACKEND = env.str("SMS_BACKEND", default="unionhub.core.sms.ConsoleSmsBackend")
# Group-robot webhooks may only point here (ASVS 5.2.6 / 12.6.1): staff type these addresses,
# and the worker posts to them, so an address inside our own network must never be accepted.
WEBHOOK_URL_PREFIXES = env.list(
    "WEBHOOK_URL_PREFIXES", default=["https://qyapi.weixin.qq.com/", "https://oapi.dingtalk.com/"]
)
SMS_ALIYUN = {
    "endpoint": env.str("SMS_ALIYUN_ENDPOINT", default="https://dysmsapi.aliyuncs.com/"),
    "access_key_id": env.str("SMS_ALIYUN_ACCESS_KEY_ID", default=""),
    "access_key_secret": env.str("SMS_ALIYUN_ACCESS_KEY_SECRET", default=""),
    "sign_name": env.str("SMS_ALIYUN_SIGN_NAME", default=""),
    "template_code": env.str("SMS_ALIYUN_TEMPLATE_CODE", default=""),
}

# Debian 12 ships GDAL 3.6, older than Django 5.2 prefers; it works for everything used here.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
