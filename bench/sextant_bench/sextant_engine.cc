// Our indexes, built the way a sealed segment builds them (MakeIndex).
#include <numeric>

#include "index/index_factory.h"
#include "index/ivf_index.h"
#include "sextant_bench/engine.h"

namespace sextant::bench {

namespace {

class SextantEngine : public Engine {
 public:
  SextantEngine(IndexSpec spec, Metric metric, size_t dim) : spec_(spec), metric_(metric), dim_(dim) {}

  Status Build(const Vectors& base) override {
    ASSIGN_OR_RETURN(index_, MakeIndex(spec_, dim_, metric_, base.rows));
    std::vector<Offset> offsets(base.rows);
    std::iota(offsets.begin(), offsets.end(), Offset{0});
    return index_->Add(offsets, MatrixView(base.data.data(), base.rows, base.dim));
  }
  const char* param() const override { return spec_.kind == IndexSpec::Kind::kIvf ? "nprobe" : "ef"; }
  void SetParam(size_t value) override { value_ = value; }
  Status Search(const float* query, size_t k, std::vector<int64_t>* ids) const override {
    SearchParams params;
    params.k = k;
    if (spec_.kind == IndexSpec::Kind::kIvf) {
      params.nprobe = value_;
    } else {
      params.ef = value_;
    }
    ASSIGN_OR_RETURN(std::vector<Hit> hits, index_->Search(VectorView(query, dim_), params));
    for (const Hit& h : hits) ids->push_back(int64_t(h.offset));
    return Status::OK();
  }
  size_t MemoryBytes() const override { return index_ ? index_->MemoryBytes() : 0; }
  size_t lists() const override { return spec_.kind == IndexSpec::Kind::kIvf ? spec_.nlist : 0; }

 private:
  IndexSpec spec_;
  Metric metric_;
  size_t dim_;
  size_t value_ = 0;
  std::unique_ptr<Index> index_;
};

}  // namespace

Result<std::unique_ptr<Engine>> MakeSextantEngine(const EngineSpec& spec, size_t dim, size_t rows) {
  IndexSpec index;
  index.build_threads = spec.build_threads;
  if (spec.name == "sextant-hnsw") {
    index.kind = IndexSpec::Kind::kHnsw;
    index.m = spec.m;
    index.ef_construct = spec.ef_construct;
    if (spec.quantization == "pq") return Status::InvalidArgument("sextant-hnsw has no pq (off or sq8)");
  } else {
    index.kind = IndexSpec::Kind::kIvf;
  }
  index.codes = spec.quantization == "sq8" ? Codes::kSq8 : spec.quantization == "pq" ? Codes::kPq : Codes::kNone;
  if (index.kind == IndexSpec::Kind::kIvf) index.nlist = spec.nlist != 0 ? spec.nlist : IvfIndex::ListsFor(index, rows);
  return std::unique_ptr<Engine>(new SextantEngine(index, spec.metric, dim));
}

}  // namespace sextant::bench
