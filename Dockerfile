# Sextant in a container: a Debian 12 build stage that installs and builds
# exactly as the README and CI do (third_party/install_deps.sh, then the
# Release build of scripts/serve.sh), and a slim runtime stage with only the
# shared libraries the binary loads, run as a non-root user.
#
#   docker build -t sextant .
#   docker run -p 6333:6333 -v sextant-data:/data sextant
#
# Not built here (no container engine on the development machine); linted with
# dockerfilelint 1.8 (npm), which is clean but for one false positive: it reads
# HEALTHCHECK's --start-period as "--start" (its option regex stops at the
# hyphen) and calls it invalid. Docker documents --start-period; it keeps a
# server that is still opening large collections from counting as unhealthy.

FROM debian:12 AS build
WORKDIR /src
COPY . .
RUN bash third_party/install_deps.sh \
    && cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release \
    && cmake --build build -j "$(nproc)" --target sextant \
    && bash scripts/runtime_packages.sh build/sextant > /runtime-packages

FROM debian:12-slim
COPY --from=build /runtime-packages /tmp/runtime-packages
# The packages runtime_packages.sh listed, and curl for the health check.
RUN apt-get update \
    && apt-get install -y --no-install-recommends $(cat /tmp/runtime-packages) curl ca-certificates \
    && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages \
    && useradd --system --uid 10001 --user-group --home-dir /data --shell /usr/sbin/nologin sextant \
    && mkdir -p /data \
    && chown sextant:sextant /data
COPY --from=build /src/build/sextant /usr/local/bin/sextant
USER sextant
WORKDIR /data
VOLUME ["/data"]
EXPOSE 6333
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
    CMD curl -fsS http://127.0.0.1:6333/readyz || exit 1
ENTRYPOINT ["/usr/local/bin/sextant"]
CMD ["serve", "--host", "0.0.0.0", "--port", "6333", "--data-dir", "/data"]
