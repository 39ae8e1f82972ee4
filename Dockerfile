# One image for every POC Dojo process; the command picks the role (all-in-one node, api, media, worker).
FROM node:22-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
COPY shared/package.json shared/
COPY sync/package.json sync/
COPY server/package.json server/
COPY api/package.json api/
COPY media/package.json media/
COPY clients/sdk/package.json clients/sdk/
COPY clients/web/package.json clients/web/
COPY load-tests/package.json load-tests/
RUN npm ci --omit=dev --ignore-scripts=false
COPY . .
ENV HOST=0.0.0.0 PORT=8080 DATA_DIR=/data
EXPOSE 8080
CMD ["npx", "tsx", "all-in-one/src/main.ts"]
