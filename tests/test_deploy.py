"""The production settings pass Django's deploy checks, and every way of starting a process agrees."""

import os
import shlex
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "production-like-secret-key-with-plenty-of-entropy-0123456789-abcdefghij",
    "FIELD_ENCRYPTION_KEY": "cHJvZHVjdGlvbi1saWtlLWZpZWxkLWtleS0zMi1ieXRlcyE=",
    "FIELD_HASH_KEY": "cHJvZHVjdGlvbi1saWtlLWhhc2gta2V5LTMyLWJ5dGVzISE=",
    "ALLOWED_HOSTS": "unionhub.example.org",
    "DJANGO_SETTINGS_MODULE": "unionhub.settings",
}


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    # The browser tests allow Django's async-unsafe calls for this process; production never does.
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV and k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True
    )


def test_the_production_settings_pass_the_deploy_checks():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_its_secrets():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "FIELD_HASH_KEY"}
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "FIELD_HASH_KEY must be set" in result.stderr


def compose_commands() -> dict[str, list[str]]:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    return {name: service["command"] for name, service in services.items() if "command" in service}


def procfile_commands() -> dict[str, list[str]]:
    lines = (ROOT / "Procfile.dev").read_text().splitlines()
    return {name: shlex.split(command) for name, command in (line.split(":", 1) for line in lines if line.strip())}


def test_the_worker_and_beat_run_alike_in_development_and_in_compose():
    compose, dev = compose_commands(), procfile_commands()
    for name in ("worker", "beat"):
        assert compose[name][:4] == dev[name][:4], name
    worker_queues = {c[c.index("-Q") + 1] for c in (compose["worker"], dev["worker"])}
    assert worker_queues == {"default,reports,notify"}
    for beat in (compose["beat"], dev["beat"]):
        assert "django_celery_beat.schedulers:DatabaseScheduler" in beat


def test_the_image_serves_what_compose_runs():
    dockerfile = (ROOT / "Dockerfile").read_text()
    cmd_line = next(line for line in dockerfile.splitlines() if line.startswith("CMD "))
    assert yaml.safe_load(cmd_line[4:]) == compose_commands()["web"]


def test_every_queue_a_task_is_routed_to_has_a_worker():
    from django.conf import settings

    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()} | {settings.CELERY_TASK_DEFAULT_QUEUE}
    served = set(compose_commands()["worker"][compose_commands()["worker"].index("-Q") + 1].split(","))
    assert routed <= served


def test_production_hashes_passwords_with_a_slow_key_derivation_function():
    """ASVS 2.4.1: the test settings' MD5 hasher (for speed) never reaches production."""
    result = run_manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings; print(settings.PASSWORD_HASHERS[0])",
        env=PRODUCTION_ENV,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] in (
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.ScryptPasswordHasher",
    )
