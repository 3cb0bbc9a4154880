# kpjdd image: docker build -t kpjd .   (see docker-compose.yml to run it)

# --- build stage --------------------------------------------------------------
FROM debian:bookworm-slim AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake pkg-config \
      libmicrohttpd-dev libjansson-dev libpq-dev libsodium-dev check \
      libcairo2-dev libpango1.0-dev libqrencode-dev zlib1g-dev libpwquality-dev \
      libcurl4-openssl-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# Migrations and openapi.json are compiled into kpjdd; the tests are not needed here.
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release -DKPJD_TESTS=OFF \
 && cmake --build /build -j"$(nproc)"

# --- runtime stage ------------------------------------------------------------
# Certificates (PDF) need cairo, Pango, libqrencode and the Noto CJK fonts;
# `fontconfig` builds the system font cache as the fonts install, so kpjdd
# (user kpjd, no home) does not scan 100 MB of fonts on every start.
# Passwords are checked with libpwquality against cracklib-runtime's
# dictionary (only recommended by libcrack2, so named here); kpjdd will not
# start without it.
FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libmicrohttpd12 libjansson4 libpq5 libsodium23 ca-certificates \
      libcairo2 libpango-1.0-0 libpangocairo-1.0-0 libqrencode4 zlib1g fontconfig fonts-noto-cjk \
      libpwquality1 cracklib-runtime libcurl4 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --no-create-home --shell /usr/sbin/nologin kpjd
COPY --from=build /build/kpjdd /usr/local/bin/kpjdd
COPY web/ /usr/share/kpjd/web/
COPY conf/kpjd.conf /etc/kpjd/kpjd.conf
COPY deploy/docker/entrypoint.sh /usr/local/bin/kpjd-entrypoint
COPY deploy/docker/secret-check.sh /usr/local/lib/kpjd/secret-check.sh
ENV KPJD_WEB_ROOT=/usr/share/kpjd/web \
    KPJD_HTTP_LISTEN=0.0.0.0:8080
EXPOSE 8080
# /readyz: the database answers and the schema is current.  bash's /dev/tcp,
# as the slim image has no HTTP client.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /readyz HTTP/1.0\\r\\n\\r\\n' >&3 && head -n1 <&3 | grep -q ' 200 '"]
# The entry point starts as root only to read its secrets (KPJD_DB_PASSWORD_FILE,
# KPJD_SIGNING_KEY_FILE), then runs kpjdd as the user kpjd.
ENTRYPOINT ["kpjd-entrypoint"]
CMD ["serve"]
