// The anchors: raw hnswlib and raw FAISS IVF, as bench/hnsw_vs_hnswlib and
// bench/ivf_vs_faiss use them (same M / ef_construction, same nlist, FAISS
// rescoring the same number of candidates as ours for sq8 / pq). Both throw;
// the exceptions stop here.
#include <exception>

#include "index/ivf_index.h"
#include "raw_faiss.h"
#include "raw_hnswlib.h"
#include "sextant_bench/engine.h"

namespace sextant::bench {

namespace {

// raw_hnswlib_anchor is compiled with AVX2 (and AVX-512 when
// SEXTANT_BENCH_ANCHOR_AVX512 is on, see bench/sextant_bench/CMakeLists.txt):
// on a CPU without them it would die of SIGILL, so refuse it with a reason.
Status CheckAnchorCpu() {
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) {
    return Status::InvalidArgument("hnswlib: the anchor is built for AVX2 + FMA, which this CPU lacks");
  }
#if SEXTANT_BENCH_ANCHOR_AVX512
  if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512dq") ||
      !__builtin_cpu_supports("avx512bw") || !__builtin_cpu_supports("avx512vl")) {
    return Status::InvalidArgument(
        "hnswlib: the anchor is built with AVX-512, which this CPU lacks (configure with "
        "-DSEXTANT_BENCH_ANCHOR_AVX512=OFF)");
  }
#endif
  return Status::OK();
}

class HnswlibEngine : public Engine {
 public:
  HnswlibEngine(const EngineSpec& spec, size_t dim, size_t rows)
      : spec_(spec), raw_(dim, rows, spec.m, spec.ef_construct, spec.metric != Metric::kEuclid) {}
  Status Build(const Vectors& base) override {
    try {
      raw_.Add(base.data.data(), base.rows, spec_.build_threads);
    } catch (const std::exception& e) {
      return Status::Internal(std::string("hnswlib: ") + e.what());
    }
    return Status::OK();
  }
  const char* param() const override { return "ef"; }
  void SetParam(size_t value) override { raw_.SetEf(value); }
  Status Search(const float* query, size_t k, std::vector<int64_t>* ids) const override {
    try {
      for (uint64_t id : raw_.Search(query, k)) ids->push_back(int64_t(id));
    } catch (const std::exception& e) {
      return Status::Internal(std::string("hnswlib: ") + e.what());
    }
    return Status::OK();
  }
  size_t MemoryBytes() const override { return raw_.MemoryBytes(); }

 private:
  EngineSpec spec_;
  RawHnswlib raw_;
};

class FaissIvfEngine : public Engine {
 public:
  FaissIvfEngine(const EngineSpec& spec, size_t nlist, RawFaissIvf::Codes codes, size_t pq_m, float refine, size_t dim)
      : spec_(spec), nlist_(nlist), raw_(dim, nlist, codes, pq_m, spec.metric != Metric::kEuclid, refine) {}
  Status Build(const Vectors& base) override {
    try {
      raw_.Train(base.data.data(), base.rows, spec_.build_threads);
      raw_.Add(base.data.data(), base.rows);
    } catch (const std::exception& e) {
      return Status::Internal(std::string("faiss: ") + e.what());
    }
    return Status::OK();
  }
  const char* param() const override { return "nprobe"; }
  void SetParam(size_t value) override { raw_.SetNprobe(value); }
  Status Search(const float* query, size_t k, std::vector<int64_t>* ids) const override {
    try {
      *ids = raw_.Search(query, k);
    } catch (const std::exception& e) {
      return Status::Internal(std::string("faiss: ") + e.what());
    }
    return Status::OK();
  }
  size_t MemoryBytes() const override { return raw_.MemoryBytes(); }
  size_t lists() const override { return nlist_; }

 private:
  EngineSpec spec_;
  size_t nlist_;
  RawFaissIvf raw_;
};

}  // namespace

Result<std::unique_ptr<Engine>> MakeAnchorEngine(const EngineSpec& spec, size_t dim, size_t rows) {
  if (spec.metric == Metric::kManhattan) return Status::InvalidArgument(spec.name + " has no Manhattan distance");
  if (spec.name == "hnswlib") {
    if (spec.quantization != "off") return Status::InvalidArgument("hnswlib has no quantization (off only)");
    RETURN_IF_ERROR(CheckAnchorCpu());
    try {
      return std::unique_ptr<Engine>(new HnswlibEngine(spec, dim, rows));
    } catch (const std::exception& e) {
      return Status::Internal(std::string("hnswlib: ") + e.what());
    }
  }
  // Same nlist, pq_m and rescoring depth as our IvfIndex with this spec.
  IndexSpec ours;
  ours.kind = IndexSpec::Kind::kIvf;
  ours.codes = spec.quantization == "sq8" ? Codes::kSq8 : spec.quantization == "pq" ? Codes::kPq : Codes::kNone;
  const size_t nlist = spec.nlist != 0 ? spec.nlist : IvfIndex::ListsFor(ours, rows);
  const size_t pq_m = IvfIndex::PqSubquantizers(ours, dim);
  const auto codes = ours.codes == Codes::kSq8  ? RawFaissIvf::Codes::kSq8
                     : ours.codes == Codes::kPq ? RawFaissIvf::Codes::kPq
                                                : RawFaissIvf::Codes::kFlat;
  const float refine = ours.codes == Codes::kSq8  ? float(IvfIndex::kSq8Oversampling)
                       : ours.codes == Codes::kPq ? float(IvfIndex::kPqOversampling)
                                                  : 1.0f;
  try {
    return std::unique_ptr<Engine>(new FaissIvfEngine(spec, nlist, codes, pq_m, refine, dim));
  } catch (const std::exception& e) {
    return Status::Internal(std::string("faiss: ") + e.what());
  }
}

}  // namespace sextant::bench
