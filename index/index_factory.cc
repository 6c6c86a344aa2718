#include "index/index_factory.h"

#include "index/flat_index.h"
#include "index/hnsw_index.h"
#include "index/ivf_index.h"

namespace sextant {

bool IndexSpec::BuildsSameAs(const IndexSpec& o) const {
  if (kind != o.kind) return false;
  switch (kind) {
    case Kind::kFlat: return true;
    case Kind::kHnsw:
      return m == o.m && ef_construct == o.ef_construct && codes == o.codes &&
             (codes == Codes::kNone || quantile == o.quantile);
    case Kind::kIvf:
      return nlist == o.nlist && codes == o.codes && (codes != Codes::kPq || pq_m == o.pq_m);
  }
  return false;
}

Result<std::unique_ptr<Index>> MakeIndex(const IndexSpec& spec, size_t dim, Metric metric,
                                         size_t capacity) {
  if (dim == 0) return Status::InvalidArgument("dimension must be positive");
  switch (spec.kind) {
    case IndexSpec::Kind::kFlat:
      return std::unique_ptr<Index>(
          std::make_unique<FlatIndex>(dim, metric, std::max(capacity, FlatIndex::kDefaultCapacity)));
    case IndexSpec::Kind::kHnsw: {
      ASSIGN_OR_RETURN(auto index, HnswIndex::Create(dim, metric, spec, capacity));
      return std::unique_ptr<Index>(std::move(index));
    }
    case IndexSpec::Kind::kIvf: {
      ASSIGN_OR_RETURN(auto index, IvfIndex::Create(dim, metric, spec));
      return std::unique_ptr<Index>(std::move(index));
    }
  }
  return Status::InvalidArgument("unknown index kind");
}

Result<std::unique_ptr<Index>> LoadIndex(const IndexSpec& spec, size_t dim, Metric metric,
                                         ByteReader& in) {
  if (dim == 0) return Status::InvalidArgument("dimension must be positive");
  switch (spec.kind) {
    case IndexSpec::Kind::kFlat: {
      ASSIGN_OR_RETURN(auto index, FlatIndex::Load(dim, metric, in));
      return std::unique_ptr<Index>(std::move(index));
    }
    case IndexSpec::Kind::kHnsw: {
      ASSIGN_OR_RETURN(auto index, HnswIndex::Load(dim, metric, spec, in));
      return std::unique_ptr<Index>(std::move(index));
    }
    case IndexSpec::Kind::kIvf: {
      ASSIGN_OR_RETURN(auto index, IvfIndex::Load(dim, metric, spec, in));
      return std::unique_ptr<Index>(std::move(index));
    }
  }
  return Status::InvalidArgument("unknown index kind");
}

}  // namespace sextant
