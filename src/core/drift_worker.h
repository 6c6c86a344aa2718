// DriftWorker: the background thread that feeds collections' drift monitors.
//
// A write is acknowledged once it is durable; its drift statistics (about a
// microsecond a 128-d point, core/drift/) are computed afterwards on this
// thread (core/collection_worker.h), so the writer does not wait for them.
// Collections queue their accepted batches and ask for attention with
// Schedule(); each turn, Collection::DrainDriftQueue() feeds the batches
// queued when it starts. A report feeds the queue first (Collection::Drift),
// so what it shows includes every write acknowledged before it.
//
// It runs at a lower CPU priority (nice +5) than request threads: statistics
// come after serving. The queues are bounded, so a starved worker slows
// writers down rather than growing memory.
#pragma once

#include "core/collection_worker.h"

namespace sextant {

class DriftWorker : public CollectionWorker {
 public:
  static constexpr int kDefaultNice = 5;
  explicit DriftWorker(int nice = kDefaultNice);
};

}  // namespace sextant
