#include "raw_faiss.h"

#include <faiss/IndexFlat.h>
#include <faiss/IndexIVFFlat.h>
#include <faiss/IndexIVFPQ.h>
#include <faiss/IndexRefine.h>
#include <faiss/IndexScalarQuantizer.h>
#include <omp.h>

namespace sextant::bench {

struct RawFaissIvf::State {
  std::unique_ptr<faiss::IndexFlat> quantizer;
  std::unique_ptr<faiss::IndexIVF> ivf;
  std::unique_ptr<faiss::IndexRefineFlat> refine;  // over ivf, when rescoring
  faiss::Index& top() { return refine ? static_cast<faiss::Index&>(*refine) : *ivf; }
};

RawFaissIvf::RawFaissIvf(size_t dim, size_t nlist, Codes codes, size_t pq_m, bool inner_product, float refine)
    : state_(std::make_unique<State>()) {
  const auto metric = inner_product ? faiss::METRIC_INNER_PRODUCT : faiss::METRIC_L2;
  state_->quantizer = std::make_unique<faiss::IndexFlat>(dim, metric);
  switch (codes) {
    case Codes::kFlat:
      state_->ivf = std::make_unique<faiss::IndexIVFFlat>(state_->quantizer.get(), dim, nlist, metric);
      break;
    case Codes::kSq8:
      state_->ivf = std::make_unique<faiss::IndexIVFScalarQuantizer>(state_->quantizer.get(), dim, nlist,
                                                                      faiss::ScalarQuantizer::QT_8bit, metric);
      break;
    case Codes::kPq:
      state_->ivf = std::make_unique<faiss::IndexIVFPQ>(state_->quantizer.get(), dim, nlist, pq_m, 8, metric);
      break;
  }
  if (refine > 1) {
    state_->refine = std::make_unique<faiss::IndexRefineFlat>(state_->ivf.get());
    state_->refine->k_factor = refine;
  }
}

RawFaissIvf::~RawFaissIvf() = default;

void RawFaissIvf::Train(const float* rows, size_t n, size_t threads) {
  omp_set_num_threads(static_cast<int>(threads));
  state_->top().train(static_cast<faiss::Index::idx_t>(n), rows);
}

void RawFaissIvf::Add(const float* rows, size_t n) {
  state_->top().add(static_cast<faiss::Index::idx_t>(n), rows);
  omp_set_num_threads(1);  // searches: one query, one thread
}

void RawFaissIvf::SetNprobe(size_t nprobe) { state_->ivf->nprobe = nprobe; }

std::vector<int64_t> RawFaissIvf::Search(const float* query, size_t k) const {
  // OpenMP's thread count is per thread: searches from other threads than the
  // one that called Add() must be told too (one query, one thread).
  thread_local const bool single = (omp_set_num_threads(1), true);
  (void)single;
  std::vector<float> distances(k);
  std::vector<faiss::Index::idx_t> labels(k);
  state_->top().search(1, query, static_cast<faiss::Index::idx_t>(k), distances.data(), labels.data());
  std::vector<int64_t> out;
  for (auto l : labels) {
    if (l >= 0) out.push_back(l);
  }
  return out;
}

size_t RawFaissIvf::MemoryBytes() const {
  const auto& ivf = *state_->ivf;
  size_t bytes = ivf.ntotal * (ivf.code_size + sizeof(faiss::Index::idx_t)) + ivf.nlist * ivf.d * sizeof(float);
  if (state_->refine) bytes += ivf.ntotal * ivf.d * sizeof(float);  // the floats it rescores with
  return bytes;
}

}  // namespace sextant::bench
