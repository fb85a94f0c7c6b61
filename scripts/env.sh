# Sourced by the Makefile's recipes and the scripts: this checkout's service addresses.
# A DATABASE_URL / REDIS_URL already set in the environment wins over the private services.
if [ -f .run/services.env ]; then
  while IFS='=' read -r name value; do
    if [ -n "$name" ] && [ -z "$(printenv "$name")" ]; then export "$name=$value"; fi
  done < .run/services.env
fi
export PATH="$PWD/.venv/bin:$PATH"
