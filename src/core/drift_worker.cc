#include "core/drift_worker.h"

#include <spdlog/spdlog.h>

#include "core/collection.h"

namespace sextant {

// A step that throws still comes back (a batch that throws is skipped, so the
// queue moves on): the collection's queue must never stay scheduled with no
// one to drain it, or its writers would wait for room forever.
DriftWorker::DriftWorker(int nice)
    : CollectionWorker("drift worker", nice, [](Collection& c) {
        try {
          return c.DrainDriftQueue();
        } catch (const std::exception& e) {
          spdlog::error("drift worker: collection {}: {}", c.name(), e.what());
          return true;
        }
      }) {}

}  // namespace sextant
