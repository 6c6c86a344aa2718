#!/usr/bin/env bash
# Installs every build and test dependency of Sextant from Debian 12 packages.
# Idempotent: packages already present are skipped, so the README's commands and
# .ci/run can call it every time. Needs root (or sudo) and the Debian archive.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git ca-certificates curl
  libboost1.81-dev            # Asio + Beast (header-only); 1.81 for http::message_generator
  libsimdjson-dev             # request parsing
  librocksdb-dev              # storage
  libhnswlib-dev              # HNSW graph (header-only, 0.6.2)
  libfaiss-dev libopenblas-dev  # IVF indexes, k-means
  libroaring-dev              # CRoaring bitmaps (tombstones, payload indexes)
  libxxhash-dev               # segment file checksums (XXH3)
  libspdlog-dev libfmt-dev    # logging
  libcli11-dev                # command line
  libarchive-dev libssl-dev   # snapshots (tar, SHA-256), TLS
  catch2                      # unit tests (v2.13)
  libhdf5-dev                 # sextant-bench: ann-benchmarks .hdf5 datasets
  gnuplot-nox                 # sextant-bench: recall-QPS charts (PNG/SVG)
  nodejs                      # end-to-end tests with the real Qdrant JS client
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm ships inside nodesource's nodejs; Debian's own nodejs needs the npm package.
if ! command -v npm >/dev/null 2>&1; then missing+=(npm); fi

if [ ${#missing[@]} -eq 0 ]; then
  echo "install_deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install_deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
