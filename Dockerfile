# The Steward image: the API (STEWARD_PROCESS_ROLE=api), the worker (worker.js) and the operator
# CLI (bin/steward.js) are the same build. See docs/running-at-scale.md.
FROM node:20-bookworm-slim

# npm 11, as in development: it honours the project's allowScripts (no dependency install scripts).
RUN npm install -g npm@11 && mkdir /app && chown node:node /app
WORKDIR /app
USER node

# `npm install`, not `npm ci`: the lockfile is made on Linux x64 and lacks other platforms'
# optional binaries. Then the build (Prisma client, API, runtime, console) into dist/, once, in the
# image, so a container starts without building.
COPY --chown=node:node . .
RUN npm install && node scripts/build.mjs --force && npm cache clean --force

ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s \
  CMD node -e "fetch('http://127.0.0.1:3000/readyz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
# Garbage collection under event ingest (README, "Run each with"): a larger young generation, as
# an ingest batch lives through a few scavenges while it waits on Postgres and with the default
# 16 MB every scavenge copied it; and a heap that grows to twice what survived a full collection,
# as V8 otherwise counted the uploads' buffers against a limit just above the live heap and
# collected all of it several times a second.
CMD ["node", "--max-semi-space-size=64", "--heap-growing-percent=100", "dist/apps/admin-api/src/main.js"]
