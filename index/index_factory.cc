#include "index/index_factory.h"

#include "index/flat_index.h"
#include "index/hnsw_index.h"

namespace sextant {

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
  }
  return Status::InvalidArgument("unknown index kind");
}

}  // namespace sextant
