# syntax=docker/dockerfile:1
# Model Garden image: build stage compiles the TypeScript and the web app; the runtime stage holds only
# production dependencies, the compiled output, migrations and demo models, and runs as a non-root user.
# Build: docker build -t modelgarden .    Run: docker run -p 8080:8080 -v mg-data:/data modelgarden
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# onnxruntime-node's install script downloads CUDA binaries on linux/x64 unless told not to.
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json .npmrc ./
COPY apps/server/package.json apps/server/
COPY apps/web/package.json apps/web/
COPY packages/sdk/package.json packages/sdk/
COPY packages/cli/package.json packages/cli/
RUN npm ci
COPY tsconfig.base.json tsconfig.json ./
COPY apps/server apps/server
COPY apps/web apps/web
COPY packages/sdk packages/sdk
COPY packages/cli packages/cli
COPY scripts scripts
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
# tini is PID 1: it forwards SIGTERM to node (graceful drain) and reaps zombies.
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production \
    ONNXRUNTIME_NODE_INSTALL=skip \
    HOST=0.0.0.0 \
    PORT=8080 \
    DATA_DIR=/data
COPY package.json package-lock.json .npmrc ./
COPY apps/server/package.json apps/server/
COPY apps/web/package.json apps/web/
COPY packages/sdk/package.json packages/sdk/
COPY packages/cli/package.json packages/cli/
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/apps/server/dist apps/server/dist
COPY --from=build /app/packages/sdk/dist packages/sdk/dist
COPY --from=build /app/packages/cli/dist packages/cli/dist
COPY --from=build /app/apps/web/dist apps/web/dist
COPY apps/server/drizzle apps/server/drizzle
COPY models models
# The demo knowledge base (`docs`, seeded on first start) and its shipped evaluation set.
COPY docs docs
COPY bench/retrieval-questions.jsonl bench/retrieval-questions.jsonl
# The image's own `node` user (uid 1000) owns only /data; the code stays root-owned and read-only.
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "apps/server/dist/main.js"]
