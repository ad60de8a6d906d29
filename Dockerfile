# pulsar-push-scaler image: one binary, `hub` by default, `sidecar` in consumer pods.
#   scripts/build-image.sh            (a Docker engine, podman or buildah; BASE=host without a registry)
#   docker build -t pulsar-push-scaler:0.1.0 .
# Build args: BASE (Node 20 base image), VERSION (image version label), SOURCE (repository URL label).
ARG BASE=node:20-bookworm-slim

# ---- build: compile TypeScript to dist/ ---------------------------------------------------------
FROM ${BASE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# No dependency install scripts (as in CI with npm 11); tsc needs none.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/write-bin.mjs scripts/
COPY proto proto
COPY src src
COPY sidecar sidecar
RUN npm run build

# ---- deps: production dependencies only ---------------------------------------------------------
FROM ${BASE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# ---- runtime ------------------------------------------------------------------------------------
FROM ${BASE}
ARG VERSION=0.1.0
ARG SOURCE=""
LABEL org.opencontainers.image.title="pulsar-push-scaler" \
      org.opencontainers.image.description="KEDA external-push scaler for Apache Pulsar: hub and consumer sidecar" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}"
ENV NODE_ENV=production \
    HOME=/tmp
WORKDIR /app
# Root-owned and read-only for the runtime user: the chart also sets readOnlyRootFilesystem.
# package.json and proto/ sit beside dist/: the program finds proto/ from its package root.
COPY package.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY proto ./proto
# `pulsar-push-scaler` on PATH, so `kubectl exec ... -- pulsar-push-scaler check` works (docs/check.md);
# dist/cli.js starts with `#!/usr/bin/env node` and is executable (scripts/write-bin.mjs).
RUN ln -s /app/dist/cli.js /usr/local/bin/pulsar-push-scaler
# Numeric user and group (no passwd entry needed), matching the chart's runAsUser 10001.
USER 10001:10001
EXPOSE 9090 8080
ENTRYPOINT ["pulsar-push-scaler"]
CMD ["hub"]
