# Sourced by the Makefile's recipes and the scripts: this checkout's service addresses.
# DATABASE_URL / REDIS_URL already set in the environment win over the private services.
set -a
[ -f .run/services.env ] && . .run/services.env
set +a
export PATH="$PWD/.venv/bin:$PATH"
