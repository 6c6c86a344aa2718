#include "core/optimizer.h"

#include <spdlog/spdlog.h>

#include "core/collection.h"

namespace sextant {

Optimizer::Optimizer(int nice)
    : CollectionWorker("optimizer", nice, [](Collection& c) {
        bool more = false;
        Status s = c.OptimizeStep(&more);
        if (!s.ok()) spdlog::error("optimizer: collection {}: {}", c.name(), s.ToString());
        return more && s.ok();
      }) {}

}  // namespace sextant
