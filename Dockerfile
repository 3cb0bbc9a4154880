# kpjdd image: docker build -t kpjd .   (see docker-compose.yml to run it)

# --- build stage --------------------------------------------------------------
FROM debian:bookworm-slim AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake pkg-config \
      libmicrohttpd-dev libjansson-dev libpq-dev libsodium-dev check \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# Migrations and openapi.json are compiled into kpjdd; the tests are not needed here.
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release -DKPJD_TESTS=OFF \
 && cmake --build /build -j"$(nproc)"

# --- runtime stage ------------------------------------------------------------
FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libmicrohttpd12 libjansson4 libpq5 libsodium23 ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --no-create-home --shell /usr/sbin/nologin kpjd
COPY --from=build /build/kpjdd /usr/local/bin/kpjdd
COPY web/ /usr/share/kpjd/web/
COPY conf/kpjd.conf /etc/kpjd/kpjd.conf
ENV KPJD_WEB_ROOT=/usr/share/kpjd/web \
    KPJD_HTTP_LISTEN=0.0.0.0:8080
USER kpjd
EXPOSE 8080
# No HEALTHCHECK: the slim image has no HTTP client; let the orchestrator or
# the reverse proxy probe http://<container>:8080/ instead.
ENTRYPOINT ["kpjdd", "-c", "/etc/kpjd/kpjd.conf"]
CMD ["serve"]
