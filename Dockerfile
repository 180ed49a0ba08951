# One image for every pytarchive service; docker-compose.yml runs one container a service from it
# (`services/runner/main.ts --only <service>`). The npm set is the README's: `npm ci` of the lockfile.
# LTFS is not in Debian: build FROM an image with your vendor's LTFS, or mount its binaries and set
# [Tools] path (docs/configuration.md).
FROM node:20-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends zstd e2fsprogs mtx sg3-utils lsscsi mt-st fuse3 nfs-kernel-server ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/pytarchive
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
ENV PYTARCHIVE_CONFIG=/etc/pytarchive/pytarchive.conf
ENTRYPOINT ["node", "--import", "tsx", "services/runner/main.ts"]
