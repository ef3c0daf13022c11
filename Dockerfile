# syntax=docker/dockerfile:1
# The ccx-hook-service image: `serve` by default, any other command when given one
# (`docker run … ccx-hook-service mock-hooks --host 0.0.0.0`). Built in stages:
#   toolchain — Node.js and a compiler: better-sqlite3 compiles from source wherever no
#               prebuilt binary can be downloaded (an offline or proxied build);
#   build     — the workspace, compiled, packed into tarballs (npm run pack);
#   install   — the tarballs installed with production dependencies only, as
#               tools/production-install does it;
#   runtime   — Node.js and that node_modules, nothing else, as a non-root user.
# Node.js 24, the current LTS; the code keeps to what Node.js 20, 22 and 24 share.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS toolchain
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*

FROM toolchain AS build
WORKDIR /src
COPY . .
RUN npm ci --no-audit --no-fund \
 && npm run pack -- /tarballs

FROM toolchain AS install
WORKDIR /app
COPY --from=build /tarballs /tarballs
RUN echo '{ "private": true }' > package.json \
 && npm install --omit=dev --no-audit --no-fund /tarballs/*.tgz \
 && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    CCX_HOOK_STORE_URL=sqlite:/data/deliveries.db
WORKDIR /app
COPY --from=install /app /app
# The SQLite store lives on the volume; on PostgreSQL (CCX_HOOK_STORE_URL=postgres://…) it stays empty.
RUN mkdir /data && chown node:node /data
VOLUME /data
USER node
# gRPC, then /healthz, /readyz and /metrics.
EXPOSE 50051 9464
# Node.js itself is PID 1 and handles SIGTERM (graceful shutdown); no shell in between.
ENTRYPOINT ["node", "/app/node_modules/ccx-hook-service/bin/ccx-hook-service.js"]
CMD ["serve"]
