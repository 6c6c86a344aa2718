#include "common/thread_priority.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace sextant {

std::string LowerThreadPriority(int nice) {
  if (nice == 0) return "";
  const id_t tid = static_cast<id_t>(::gettid());
  errno = 0;
  const int base = ::getpriority(PRIO_PROCESS, tid);  // may return -1 as a value, hence errno
  if (errno != 0 || ::setpriority(PRIO_PROCESS, tid, std::min(base + nice, 19)) != 0) return std::strerror(errno);
  return "";
}

}  // namespace sextant
