#!/usr/bin/env bash
# Builds the pulsar-push-scaler container image from the Dockerfile at the repository root.
#   scripts/build-image.sh [image-ref]        default ref: pulsar-push-scaler:<package.json version>
# Env: BASE (base image, default node:20-bookworm-slim), SOURCE (org.opencontainers.image.source),
#      ENGINE=docker|buildah to force one.
# Uses docker when a Docker engine answers (`docker info`), else buildah (`buildah bud`, rootless
# works), else says what to install. Not run in CI: CI machines have no container engine.
set -euo pipefail
cd "$(dirname "$0")/.."

version="$(node -p 'require("./package.json").version')"
ref="${1:-pulsar-push-scaler:${version}}"
args=(--build-arg "VERSION=${version}" --build-arg "SOURCE=${SOURCE:-}" -t "${ref}" -f Dockerfile)
if [[ -n "${BASE:-}" ]]; then args+=(--build-arg "BASE=${BASE}"); fi

engine="${ENGINE:-}"
if [[ -z "${engine}" ]]; then
  if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
    engine=docker
  elif command -v buildah >/dev/null 2>&1; then
    engine=buildah
  fi
fi

case "${engine}" in
  docker)
    echo "building ${ref} with docker" >&2
    docker build "${args[@]}" .
    ;;
  buildah)
    echo "building ${ref} with buildah" >&2
    buildah bud --layers "${args[@]}" .
    ;;
  *)
    cat >&2 <<'MSG'
No container engine found. Install one of:
  - Docker Engine (https://docs.docker.com/engine/install/), with its daemon running
    (`docker info` must answer; a docker CLI alone is not enough);
  - buildah, which needs no daemon: `apt-get install buildah` (Debian/Ubuntu) or
    `dnf install buildah` (Fedora/RHEL).
Or set ENGINE=docker|buildah to choose one.
MSG
    exit 1
    ;;
esac
echo "built ${ref}" >&2
