# Gatehouse's container image (docs/deployment.md). No registry is needed:
#   scripts/image/build-base.sh     # the two base images, from Debian packages and the npm registry
#   podman build --format docker -t gatehouse .      # or `make image`
# --format docker keeps the HEALTHCHECK (the OCI format has none). Another base works if it has
# node on PATH and tini at /usr/bin/tini (the runtime one), and npm, a shell and a C++ toolchain
# (the build one).
ARG BUILD_IMAGE=localhost/gatehouse-base:node20-build
ARG BASE_IMAGE=localhost/gatehouse-base:node20

# A build behind a TLS-inspecting proxy passes that proxy's CA as the secret build_ca (make image
# does, from NODE_EXTRA_CA_CERTS or npm's cafile); it never lands in a layer.

# Compile: every dependency (the compiler and the type packages are dev dependencies), then tsc;
# no install scripts, since tsc needs none.
FROM ${BUILD_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,id=gatehouse-npm,target=/root/.npm --mount=type=secret,id=build_ca \
    if [ -f /run/secrets/build_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/build_ca; fi; \
    npm ci --ignore-scripts --no-audit --no-fund --prefer-offline --loglevel=warn
COPY tsconfig.json tsconfig.build.json ./
COPY generated generated
COPY src src
RUN npx tsc -p tsconfig.build.json && mkdir -p /out/data

# The production dependencies alone (the npm cache above makes this a copy, not a download), with
# their install scripts: argon2's compiles its native module (its prebuilt one crashes Node.js 20).
FROM ${BUILD_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,id=gatehouse-npm,target=/root/.npm --mount=type=secret,id=build_ca \
    if [ -f /run/secrets/build_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/build_ca; fi; \
    npm ci --omit=dev --no-audit --no-fund --prefer-offline --loglevel=warn \
    && node -e "require('argon2')"

# Runtime: node, the compiled service and its production dependencies; no shell, no npm.
FROM ${BASE_IMAGE}
WORKDIR /app
COPY --from=deps /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY package.json ./
# The embedded database's DATA_DIR: the one place written to, and a volume when it is used
# (with DATABASE_URL nothing is written, so the root filesystem can be read-only).
COPY --from=build --chown=65532:65532 /out/data /var/lib/gatehouse
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8000 DATA_DIR=/var/lib/gatehouse
USER 65532:65532
EXPOSE 8000
# Liveness without curl: node asks /healthz (over HTTPS when the service serves it).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 CMD ["node", "-e", "require(process.env.TLS_CERT_FILE ? 'https' : 'http').get({ host: '127.0.0.1', port: process.env.PORT || 8000, path: '/healthz', rejectUnauthorized: false, timeout: 4000 }, (res) => process.exit(res.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1)).on('timeout', () => process.exit(1))"]
# tini as PID 1: it forwards SIGTERM to node, which shuts down gracefully (src/main.ts), and a
# SIGTERM that comes before node has installed its handler still stops it (a PID 1 without a
# handler ignores SIGTERM); it also reaps any orphaned child.
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/src/main.js"]
