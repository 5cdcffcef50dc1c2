# One image for every Espalier service; docker-compose.yml picks the service with `command`
# (node dist/apps/<service>/main.js). Each service is bundled at build time (`npm run build`,
# esbuild) so it starts without a TypeScript loader; the command-line tools (tools/cli) still
# run through tsx, which is a runtime dependency for them.
FROM node:20-bookworm-slim

ENV NODE_ENV=production
WORKDIR /app

# Dependencies first so the layer is reused while only sources change.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# The build and tsx resolve the @espalier/* aliases from tsconfig.json -> tsconfig.base.json.
COPY tsconfig.base.json tsconfig.json ./
COPY apps ./apps
COPY libs ./libs
COPY tools ./tools
RUN node --import tsx tools/cli/build.ts && rm -rf /tmp/tsx-*

# The V8 heap sized for a service of at most 200 MB (SERVICE_NODE_OPTIONS in
# tools/build/service-build.ts, which explains the figures; a spec keeps the two equal).
ENV NODE_OPTIONS="--max-old-space-size=512 --enable-source-maps"

# Sources and bundles stay root-owned and read-only to the process; tsx caches under /tmp.
USER node
EXPOSE 8080
