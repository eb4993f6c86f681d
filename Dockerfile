# One image for every app; APP picks the bundle it runs: command-api, query-api, projectors,
# payments, relay, chat or web (and the operator tools: replay, workflows).
# `build` installs everything and builds (esbuild for the apps, Vite for the web app); the last stage
# holds only the production dependencies and the build, and runs plain `node` on it. Both install
# from the manifests alone (the first stage), so the install is cached until a manifest changes.
FROM node:20-bookworm-slim AS manifests
WORKDIR /app
COPY package.json package-lock.json ./
COPY domain/package.json domain/
COPY platform-kit/package.json platform-kit/
COPY event-sourcing/package.json event-sourcing/
COPY http-kit/package.json http-kit/
COPY payments/package.json payments/
COPY notifications/package.json notifications/
COPY read-models/package.json read-models/
COPY command-api/package.json command-api/
COPY projectors/package.json projectors/
COPY query-api/package.json query-api/
COPY chat/package.json chat/
COPY payment-gateway/package.json payment-gateway/
COPY web/package.json web/
COPY platform/package.json platform/
COPY bench/package.json bench/
COPY e2e/package.json e2e/

FROM node:20-bookworm-slim AS build
WORKDIR /app
ENV TURBO_TELEMETRY_DISABLED=1
COPY --from=manifests /app ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY domain domain
COPY platform-kit platform-kit
COPY event-sourcing event-sourcing
COPY http-kit http-kit
COPY payments payments
COPY notifications notifications
COPY read-models read-models
COPY command-api command-api
COPY projectors projectors
COPY query-api query-api
COPY chat chat
COPY payment-gateway payment-gateway
COPY web web
COPY platform platform
RUN npm run build && npm run build -w @stayhub/web

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=manifests /app ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist dist
COPY --from=build /app/web/dist web/dist
USER node
ENV APP=command-api
CMD ["sh", "-c", "exec node dist/$APP.js"]
