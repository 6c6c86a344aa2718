#!/usr/bin/env bash
# Fails when an include points the wrong way through the layers of DESIGN.md:
# api -> src/core -> index, storage -> src/common. Each third-party library is
# included by its one wrapper file only.
set -u
root="${1:-.}"
cd "$root" || exit 2
bad=0
check() {  # dir, forbidden include pattern, description
  local hits
  hits=$(grep -rnE "#include\s+[\"<]($2)" "$1" 2>/dev/null)
  if [ -n "$hits" ]; then
    echo "layering: $3:"; echo "$hits"; bad=1
  fi
}
check api 'storage/|index/' "api/ must not include storage/ or index/"
check src/core 'api/|cli/' "core must not include api/ or cli/"
check api 'cli/' "api/ must not include cli/"
check index 'storage/|core/|api/' "index/ must not include storage/, core/ or api/"
check storage 'index/|core/|api/' "storage/ must not include index/, core/ or api/"
check src/common 'index/|storage/|core/|api/' "common/ must include nothing of ours"
# One wrapper per third-party library.
only() {  # pattern, allowed file(s) regex
  local hits
  hits=$(grep -rlE "#include\s+<($1)" api src index storage 2>/dev/null | grep -vE "$2")
  if [ -n "$hits" ]; then echo "layering: <$1> included outside $2:"; echo "$hits"; bad=1; fi
}
only 'hnswlib/' '^index/hnsw_index\.cc$'
only 'rocksdb/' '^storage/collection_store\.cc$'
only 'boost/' '^(api/server\.cc|src/cli/http_client\.cc)$'
only 'faiss/' '^index/ivf_training\.cc$'
only 'archive' '^storage/snapshot_archive\.cc$'
only 'openssl/' '^storage/snapshot_archive\.cc$'
only 'simdjson' '^(api/json/json_reader\.(h|cc)|src/common/json_value\.cc)$'
if [ $bad -eq 0 ]; then echo "layering: ok"; fi
exit $bad
