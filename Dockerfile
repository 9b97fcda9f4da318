# One image for the API and the bot (they share the workspace). By default it runs the
# launcher (the API, the bot when TELEGRAM_BOT_TOKEN is set, the Mini App), as `npm start`
# does; docker-compose.yml runs the API and the bot as separate services. Node 20 LTS; better-sqlite3 builds from source in the build stage.
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
COPY sdk/package.json sdk/
COPY server/package.json server/
COPY testkit/package.json testkit/
COPY bot/package.json bot/
COPY miniapp/package.json miniapp/
COPY cli/package.json cli/
COPY launcher/package.json launcher/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
# The server binds loopback unless told otherwise; in a container it must take
# connections from outside it (nginx, the published port).
ENV HOST=0.0.0.0
COPY --from=build /app /app
USER node
EXPOSE 8000
CMD ["node", "launcher/dist/main.js"]
