#!/usr/bin/env bash
# Prints the Debian packages that hold the shared libraries a binary loads
# (one per line), so that a runtime image installs exactly those. Used by the
# Dockerfile; run it on a built binary to see the list.
#   bash scripts/runtime_packages.sh build/sextant
set -euo pipefail
binary=${1:?usage: runtime_packages.sh BINARY}
for lib in $(ldd "$binary" | awk '$3 ~ /^\// {print $3}'); do
  # Debian 12 merges /lib into /usr/lib, but dpkg records each file under the
  # path its package ships: try the name as loaded, resolved, and with or
  # without /usr.
  real=$(realpath "$lib")
  found=""
  for candidate in "$lib" "$real" "${lib#/usr}" "/usr$lib" "$(dirname "$lib")/$(basename "$real")" \
                   "/usr$(dirname "$lib")/$(basename "$real")"; do
    found=$(dpkg -S "$candidate" 2>/dev/null | head -1 | cut -d: -f1) && [ -n "$found" ] && break
  done
  if [ -z "$found" ]; then
    echo "runtime_packages: no package holds $lib" >&2
    exit 1
  fi
  echo "$found"
done | sort -u
