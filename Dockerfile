# One image for every Espalier service; docker-compose.yml picks the service with `command`
# (node --import tsx apps/<service>/src/main.ts). TypeScript runs through tsx, which is a
# runtime dependency for exactly this reason, so there is no separate build stage.
FROM node:20-bookworm-slim

ENV NODE_ENV=production
WORKDIR /app

# Dependencies first so the layer is reused while only sources change.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# tsx resolves the @espalier/* aliases from tsconfig.json -> tsconfig.base.json at run time.
COPY tsconfig.base.json tsconfig.json ./
COPY apps ./apps
COPY libs ./libs
COPY tools ./tools

# Sources stay root-owned and read-only to the process; tsx caches under /tmp.
USER node
EXPOSE 8080
