#!/usr/bin/env bash
# Builds the pulsar-push-scaler container image from the Dockerfile at the repository root, and
# with --smoke also runs it: `--help` and `check` (against the simulator) as the non-root user.
#   scripts/build-image.sh [--smoke] [image-ref]     default ref: pulsar-push-scaler:<package.json version>
# Env:
#   ENGINE=docker|podman|buildah  the builder (default: the first that works: a Docker engine that
#                                 answers `docker info`, then podman, then buildah);
#   BASE=<image>                  the Node 20 base (default node:20-bookworm-slim, from Docker Hub);
#   BASE=host                     no registry: assemble a base from this machine's node and npm
#                                 (their binaries, shared libraries, CA bundle and a shell; the image
#                                 then trusts this machine's CAs), tagged
#                                 localhost/pulsar-push-scaler-base:node<version>;
#   ISOLATION=chroot|oci|rootless buildah/podman --isolation (buildah default: chroot, which works
#                                 inside containers without user namespaces);
#   SOURCE=<url>                  the org.opencontainers.image.source label.
# On --smoke it prints `image-size`, `runs-as-uid`, `help-ms`, `check-ms` and `hub-ready-ms` lines
# (BENCHMARKS.md); the times include creating and removing the container.
set -euo pipefail
cd "$(dirname "$0")/.."

smoke=false
if [[ "${1:-}" == "--smoke" ]]; then
  smoke=true
  shift
fi
version="$(node -p 'require("./package.json").version')"
ref="${1:-pulsar-push-scaler:${version}}"

engine="${ENGINE:-}"
if [[ -z "${engine}" ]]; then
  if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
    engine=docker
  elif command -v podman >/dev/null 2>&1; then
    engine=podman
  elif command -v buildah >/dev/null 2>&1; then
    engine=buildah
  fi
fi
case "${engine}" in
  docker | podman | buildah) ;;
  *)
    cat >&2 <<'MSG'
No container builder found. Install one of:
  - Docker Engine (https://docs.docker.com/engine/install/), with its daemon running
    (`docker info` must answer; a docker CLI alone is not enough);
  - podman or buildah, which need no daemon: `apt-get install buildah` (Debian/Ubuntu) or
    `dnf install buildah` (Fedora/RHEL).
Or set ENGINE=docker|podman|buildah to choose one.
MSG
    exit 3
    ;;
esac
isolation="${ISOLATION:-}"
if [[ "${engine}" == buildah && -z "${isolation}" ]]; then isolation=chroot; fi
iso_args=()
if [[ -n "${isolation}" && "${engine}" != docker ]]; then iso_args=(--isolation "${isolation}"); fi

# ---- BASE=host: a Node base assembled from this machine, for builders without registry access ----
host_base() {
  local node npm_dir tag root ctr
  node="$(readlink -f "$(command -v node)")"
  npm_dir="$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")"
  tag="localhost/pulsar-push-scaler-base:node$(node -p 'process.versions.node')"
  root="$(mktemp -d)"
  trap 'rm -rf "${root}"' RETURN
  mkdir -p "${root}"/{bin,etc/ssl/certs,tmp,usr/local/bin,usr/local/lib/node_modules}
  chmod 1777 "${root}/tmp"
  cp "${node}" "${root}/usr/local/bin/node"
  cp -a "${npm_dir}" "${root}/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "${root}/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "${root}/usr/local/bin/npx"
  # A shell for RUN and npm scripts, and the few tools the Dockerfile's RUN lines use.
  local tools=(/bin/sh /bin/dash /bin/ln /bin/mkdir /bin/rm /bin/cp /bin/ls /bin/cat /usr/bin/env)
  local t lib
  for t in "${tools[@]}"; do
    mkdir -p "${root}$(dirname "${t}")"
    cp -a "${t}" "${root}${t}"
    [[ -L "${t}" ]] && cp "$(readlink -f "${t}")" "${root}$(dirname "${t}")/"
  done
  for lib in $( (ldd "${node}" "${tools[@]}" 2>/dev/null || true) | grep -o '/[^ ]*\.so[^ ]*' | sort -u); do
    mkdir -p "${root}$(dirname "${lib}")"
    cp -L "${lib}" "${root}${lib}"
  done
  # This machine's CA bundle, which node and npm trust (NODE_EXTRA_CA_CERTS): the build stages'
  # `npm ci` reach the registry as this machine does (through a TLS-inspecting proxy, if it has one).
  local ca=/etc/ssl/certs/ca-certificates.crt
  cp -L "${ca}" "${root}${ca}"
  printf 'root:x:0:0:root:/root:/bin/sh\nnode:x:10001:10001:node:/tmp:/bin/sh\n' >"${root}/etc/passwd"
  printf 'root:x:0:\nnode:x:10001:\n' >"${root}/etc/group"
  printf 'hosts: files dns\n' >"${root}/etc/nsswitch.conf"
  case "${engine}" in
    buildah)
      ctr="$(buildah from scratch)"
      buildah copy "${ctr}" "${root}" / >/dev/null
      buildah config --env PATH=/usr/local/bin:/usr/bin:/bin --env SSL_CERT_FILE="${ca}" \
        --env NODE_EXTRA_CA_CERTS="${ca}" "${ctr}"
      buildah commit --rm "${ctr}" "${tag}" >/dev/null
      ;;
    *)
      tar -C "${root}" -c . | "${engine}" import \
        --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
        --change "ENV SSL_CERT_FILE=${ca}" --change "ENV NODE_EXTRA_CA_CERTS=${ca}" - "${tag}" >/dev/null
      ;;
  esac
  echo "${tag}"
}

base="${BASE:-}"
if [[ "${base}" == host ]]; then
  echo "assembling a Node base from this machine's node $(node --version) with ${engine}" >&2
  base="$(host_base)"
fi
args=(--build-arg "VERSION=${version}" --build-arg "SOURCE=${SOURCE:-}" -t "${ref}" -f Dockerfile)
if [[ -n "${base}" ]]; then args+=(--build-arg "BASE=${base}"); fi

echo "building ${ref} with ${engine}${base:+ from ${base}}" >&2
case "${engine}" in
  docker) docker build "${args[@]}" . ;;
  podman) podman build "${iso_args[@]}" "${args[@]}" . ;;
  buildah) buildah bud --layers "${iso_args[@]}" "${args[@]}" . ;;
esac
echo "built ${ref}" >&2
"${smoke}" || exit 0

# ---- --smoke: the image runs `--help` and `check` as UID 10001 ----------------------------------
ms() { date +%s%3N; }
# start_as <program> <args...>: like run_as, in the background; `$!` is the builder's own process
# (it forwards SIGTERM to the program). Sets `started` to the container to remove (buildah).
started=""
start_as() {
  case "${engine}" in
    buildah)
      started="$(buildah from --pull-never "${ref}")"
      buildah run "${iso_args[@]}" --user 10001:10001 --network host "${started}" -- "$@" &
      ;;
    *)
      "${engine}" run --rm --user 10001:10001 --network host --read-only --tmpfs /tmp \
        --entrypoint "$1" "${ref}" "${@:2}" &
      ;;
  esac
}
# run_as <program> <args...>: a program of the image as 10001:10001 with the host's network.
run_as() {
  case "${engine}" in
    buildah)
      local ctr rc=0
      ctr="$(buildah from --pull-never "${ref}")"
      buildah run "${iso_args[@]}" --user 10001:10001 --network host "${ctr}" -- "$@" || rc=$?
      buildah rm "${ctr}" >/dev/null
      return "${rc}"
      ;;
    *)
      "${engine}" run --rm --user 10001:10001 --network host --read-only --tmpfs /tmp \
        --entrypoint "$1" "${ref}" "${@:2}"
      ;;
  esac
}
case "${engine}" in
  buildah) size="$(buildah images --noheading --format '{{.Size}}' "${ref}" | head -1)" ;;
  *) size="$("${engine}" image inspect --format '{{.Size}}' "${ref}") bytes" ;;
esac
echo "image-size ${size}"

uid="$(run_as /bin/cat /proc/self/status | grep '^Uid:' | cut -f2)"
echo "runs-as-uid ${uid}"
[[ "${uid}" == 10001 ]] || { echo "expected UID 10001, got ${uid}" >&2; exit 1; }
t0="$(ms)"
out="$(run_as pulsar-push-scaler --help)"
echo "help-ms $(($(ms) - t0))"
grep -q "check" <<<"${out}" || { echo "--help did not list check:" >&2; echo "${out}" >&2; exit 1; }

# `check` against the simulator on loopback: exit 0 and verdict OK for a subscription that exists.
sim_log="$(mktemp)"
node --import tsx src/cli.ts sim --port 0 --host 127.0.0.1 >"${sim_log}" 2>&1 &
sim_pid=$!
trap 'kill "${sim_pid}" 2>/dev/null || true; wait "${sim_pid}" 2>/dev/null || true; rm -f "${sim_log}"' EXIT
admin=""
for _ in $(seq 1 100); do
  admin="$(grep -o '"adminUrl":"[^"]*"' "${sim_log}" | head -1 | cut -d'"' -f4 || true)"
  [[ -n "${admin}" ]] && break
  sleep 0.1
done
[[ -n "${admin}" ]] || { echo "the simulator did not start:" >&2; cat "${sim_log}" >&2; exit 1; }
curl -fsS -X PUT "${admin}/admin/v2/persistent/public/default/orders/subscription/workers" >/dev/null
t0="$(ms)"
out="$(run_as pulsar-push-scaler check --pulsar-admin-url "${admin}" \
  --metadata topic=persistent://public/default/orders --metadata subscription=workers)"
echo "check-ms $(($(ms) - t0))"
grep -Eq '^verdict: +OK' <<<"${out}" || { echo "check did not say OK:" >&2; echo "${out}" >&2; exit 1; }

# The hub's start time in the image: from the run to its "hub ready" line; then SIGTERM.
hub_log="$(mktemp)"
t0="$(ms)"
start_as pulsar-push-scaler hub --grpc-host 127.0.0.1 --grpc-port 0 --http-port 0 --namespaces all \
  --pulsar-admin-url "${admin}" >"${hub_log}" 2>&1
hub_pid=$!
for _ in $(seq 1 300); do
  grep -q '"msg":"hub ready"' "${hub_log}" && break
  sleep 0.05
done
ready="$(($(ms) - t0))"
kill -TERM "${hub_pid}" 2>/dev/null || true
wait "${hub_pid}" 2>/dev/null || true
if [[ -n "${started}" ]]; then buildah rm "${started}" >/dev/null; fi
grep -q '"msg":"hub ready"' "${hub_log}" || { echo "the hub did not get ready:" >&2; cat "${hub_log}" >&2; exit 1; }
rm -f "${hub_log}"
echo "hub-ready-ms ${ready}"
echo "smoke OK: ${ref} runs --help and check as a non-root user" >&2
