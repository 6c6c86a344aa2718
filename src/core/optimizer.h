// Optimizer: the background worker that indexes frozen segments.
//
// One worker thread (core/collection_worker.h) calls
// Collection::OptimizeStep() until it reports there is nothing left, one step
// at a time per collection in turn. Index builds themselves use
// `build_threads` threads inside hnswlib; they inherit the worker's lower CPU
// priority (default nice +10): on a small machine an index build would
// otherwise take half the cores from the uploads and searches it is meant to
// serve.
#pragma once

#include "core/collection_worker.h"

namespace sextant {

class Optimizer : public CollectionWorker {
 public:
  static constexpr int kDefaultNice = 10;
  explicit Optimizer(int nice = kDefaultNice);
};

}  // namespace sextant
