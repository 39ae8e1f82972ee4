# syntax=docker/dockerfile:1
# POC Dojo's images, one target per kind of process (docs/deploy-kubernetes.md):
#
#   docker build --target app    -t pocdojo/app    .   # collab (npm run collab) and api (npm run api)
#   docker build --target worker -t pocdojo/worker .   # videos and reports: + ffmpeg, espeak-ng, fonts
#   docker build --target media  -t pocdojo/media  .   # voice: + Debian's mediasoup-worker 3.8.4
#   docker build --target runner -t pocdojo/runner .   # test runs: + bubblewrap and each language's toolchain
#   docker build --target web    -t pocdojo/web    .   # the built web app, served by unprivileged nginx
#
# The services run from source with tsx, as `npm run <service>` does, but as one process
# (`node --import tsx <entry>`): SIGTERM reaches the service's own drain, and npm writes nothing at run
# time (the root filesystem is read-only). tsx keeps its compile cache in /tmp, so a read-only container
# mounts a writable /tmp (it does not start otherwise). The command picks the service; api runs api/src/main.ts.
# No Docker engine runs where this project is developed: this file has not been built here.

ARG NODE_IMAGE=node:20-bookworm-slim

# Every workspace's dependencies, installed once from the lock file.
FROM ${NODE_IMAGE} AS dependencies
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY shared/package.json shared/
COPY sync/package.json sync/
COPY server/package.json server/
COPY api/package.json api/
COPY media/package.json media/
COPY all-in-one/package.json all-in-one/
COPY runner/package.json runner/
COPY clients/sdk/package.json clients/sdk/
COPY clients/web/package.json clients/web/
COPY load-tests/package.json load-tests/
# tsx runs the services and is a development dependency, so the whole tree is installed; mediasoup's
# own worker build stays off (package.json allowScripts): the media image takes Debian's worker.
RUN npm ci

FROM dependencies AS web-build
COPY . .
RUN npm run build:web

# collab and api: the source, its dependencies, a non-root user and nothing else.
FROM ${NODE_IMAGE} AS app
ENV NODE_ENV=production HOST=0.0.0.0 DATA_DIR=/data
WORKDIR /app
RUN groupadd --system --gid 10001 pocdojo \
  && useradd --system --uid 10001 --gid pocdojo --home-dir /app --shell /usr/sbin/nologin pocdojo \
  && mkdir -p /data && chown pocdojo:pocdojo /data
COPY --from=dependencies /app/node_modules ./node_modules
COPY . .
USER 10001:10001
EXPOSE 8080
CMD ["node", "--import", "tsx", "server/src/main.ts"]

# The video and report worker renders with ffmpeg, narrates with espeak-ng, draws text in DejaVu.
FROM app AS worker
USER root
RUN apt-get update \
  && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ffmpeg espeak-ng fonts-dejavu-core \
  && rm -rf /var/lib/apt/lists/*
USER 10001:10001
EXPOSE 8083
CMD ["node", "--import", "tsx", "api/src/jobs/worker-main.ts"]

# Voice: the mediasoup worker from Debian experimental, pinned so that nothing else comes from there.
FROM app AS media
USER root
RUN bash scripts/install-mediasoup-worker.sh && rm -rf /var/lib/apt/lists/*
USER 10001:10001
EXPOSE 8081
CMD ["node", "--import", "tsx", "media/src/main.ts"]

# Test runs: bubblewrap (unprivileged user namespaces, no setuid bit) and the toolchains at the Debian
# paths the start points name (runner/start-points/*/start-point.ts).
FROM app AS runner
USER root
RUN apt-get update \
  && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
    bubblewrap python3 python3-pytest openjdk-17-jdk-headless junit5 golang-go ruby ruby-minitest \
    g++ binutils catch2 rustc \
  && rm -rf /var/lib/apt/lists/*
USER 10001:10001
EXPOSE 8092
CMD ["node", "--import", "tsx", "runner/src/main.ts"]

# The web app is static files: nginx as an unprivileged user on 8080, every unknown path → index.html.
FROM nginxinc/nginx-unprivileged:1.27-bookworm AS web
COPY deploy/web/nginx.conf /etc/nginx/conf.d/default.conf
COPY --from=web-build /app/clients/web/dist /usr/share/nginx/html
EXPOSE 8080
