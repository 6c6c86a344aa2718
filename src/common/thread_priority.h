// Lowering the CPU priority of background threads (index builds, drift
// statistics) so that they take the cores only when requests do not want them.
#pragma once

#include <string>

namespace sextant {

// Raises the calling thread's nice value by `nice` relative to the process's
// own (capped at 19). Linux: the nice value is per thread, and threads started
// from this one inherit it; raising it needs no privilege. Returns an error
// message, or "" on success.
std::string LowerThreadPriority(int nice);

}  // namespace sextant
