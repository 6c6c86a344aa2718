// Bounding glibc's malloc arenas for the long-running server.
#pragma once

#include <cstddef>
#include <string>

namespace sextant {

// glibc gives each thread that contends for the heap its own arena, up to
// 8 per core, and keeps what each arena once held: under mixed search/upsert
// load (per-request buffers on many threads, index builds on others) the
// server's RSS kept growing while the live heap stayed flat. Capping the
// arenas at about one per core keeps RSS flat and, measured with
// bench/load, does not cost throughput. MALLOC_ARENA_MAX in the environment,
// if set, wins. Call before starting threads. Returns an error message, or ""
// (also where the C library is not glibc: nothing to do).
std::string LimitMallocArenas(size_t arenas);

}  // namespace sextant
