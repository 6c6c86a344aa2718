#include <algorithm>

#include "sextant_bench/engine.h"

namespace sextant::bench {

const std::vector<std::string>& KnownEngines() {
  static const std::vector<std::string> names = {"sextant-hnsw", "sextant-ivf", "hnswlib", "faiss-ivf"};
  return names;
}

Result<std::unique_ptr<Engine>> MakeEngine(const EngineSpec& spec, size_t dim, size_t rows) {
  const std::vector<std::string> quantizations = {"off", "sq8", "pq"};
  if (std::find(quantizations.begin(), quantizations.end(), spec.quantization) == quantizations.end()) {
    return Status::InvalidArgument("unknown quantization \"" + spec.quantization + "\" (off, sq8, pq)");
  }
  if (spec.name == "sextant-hnsw" || spec.name == "sextant-ivf") return MakeSextantEngine(spec, dim, rows);
  if (spec.name == "hnswlib" || spec.name == "faiss-ivf") return MakeAnchorEngine(spec, dim, rows);
  return Status::InvalidArgument("unknown engine \"" + spec.name +
                                 "\" (sextant-hnsw, sextant-ivf, hnswlib, faiss-ivf)");
}

}  // namespace sextant::bench
