# One image for every app; APP picks the entry (command-api, query-api, projectors, payments, relay, web).
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production TURBO_TELEMETRY_DISABLED=1
COPY package.json package-lock.json ./
COPY domain/package.json domain/
COPY infra/package.json infra/
COPY read-models/package.json read-models/
COPY command-api/package.json command-api/
COPY projectors/package.json projectors/
COPY query-api/package.json query-api/
COPY bench/package.json bench/
COPY e2e/package.json e2e/
COPY web/package.json web/
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY domain domain
COPY infra infra
COPY read-models read-models
COPY command-api command-api
COPY projectors projectors
COPY query-api query-api
COPY web web
RUN npm run build -w @stayhub/web
USER node
ENV APP=command-api
CMD ["sh", "-c", "case \"$APP\" in payments) exec node --import tsx infra/src/payments/main.ts ;; web) exec node --import tsx web/src/server/main.ts ;; *) exec node --import tsx $APP/src/main.ts ;; esac"]
