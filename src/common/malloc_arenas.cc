#include "common/malloc_arenas.h"

#include <cstdlib>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace sextant {

std::string LimitMallocArenas(size_t arenas) {
#if defined(__GLIBC__)
  if (std::getenv("MALLOC_ARENA_MAX") != nullptr) return "";
  if (mallopt(M_ARENA_MAX, static_cast<int>(arenas)) != 1) return "mallopt(M_ARENA_MAX) failed";
#else
  (void)arenas;
#endif
  return "";
}

}  // namespace sextant
