// An index under test in process, behind one interface: ours (HnswIndex,
// IvfIndex through MakeIndex) and the anchors (raw hnswlib, raw FAISS), so the
// in-process runner sweeps them all the same way.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/types.h"
#include "sextant_bench/vectors.h"

namespace sextant::bench {

struct EngineSpec {
  std::string name;                 // sextant-hnsw | sextant-ivf | hnswlib | faiss-ivf
  std::string quantization = "off"; // off | sq8 | pq (pq: IVF engines only; hnswlib: off only)
  Metric metric = Metric::kEuclid;
  size_t m = 16;                    // HNSW links per node
  size_t ef_construct = 200;        // HNSW build beam
  size_t nlist = 0;                 // IVF lists; 0 = IvfIndex::ListsFor (same for ours and FAISS)
  size_t build_threads = 1;
};

// Thread safety: Search() may run concurrently; Build() and SetParam() not.
class Engine {
 public:
  virtual ~Engine() = default;
  // REQUIRES: for Cosine, normalised rows (every engine then compares by dot).
  virtual Status Build(const Vectors& base) = 0;
  // The parameter the sweep varies: "ef" or "nprobe".
  virtual const char* param() const = 0;
  // Sets it for the searches that follow.
  virtual void SetParam(size_t value) = 0;
  // Ids of the k nearest, nearest first. REQUIRES: normalised for Cosine.
  virtual Status Search(const float* query, size_t k, std::vector<int64_t>* ids) const = 0;
  // Bytes the built index holds (vectors, graph or lists, codes).
  virtual size_t MemoryBytes() const = 0;
  // The IVF list count actually used (0 for graphs): caps the nprobe sweep.
  virtual size_t lists() const { return 0; }
};

// InvalidArgument for an unknown engine, or a quantization or metric the
// engine does not have (hnswlib and FAISS: no Manhattan).
Result<std::unique_ptr<Engine>> MakeEngine(const EngineSpec& spec, size_t dim, size_t rows);

// The engines the factory knows, for --help and validation.
const std::vector<std::string>& KnownEngines();

// Made by MakeEngine; declared here for engine_factory.cc.
Result<std::unique_ptr<Engine>> MakeSextantEngine(const EngineSpec& spec, size_t dim, size_t rows);
Result<std::unique_ptr<Engine>> MakeAnchorEngine(const EngineSpec& spec, size_t dim, size_t rows);

}  // namespace sextant::bench
