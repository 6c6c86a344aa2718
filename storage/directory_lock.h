// An exclusive lock on a data directory, so that two processes never work on
// one (a second server, or the offline snapshot CLI next to a running server):
// flock on a LOCK file, released when the process exits, however it exits.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"

namespace sextant {

class DirectoryLock {
 public:
  // Busy when another process holds the lock.
  static Result<std::unique_ptr<DirectoryLock>> Acquire(const std::string& dir);
  ~DirectoryLock();
  DirectoryLock(const DirectoryLock&) = delete;
  DirectoryLock& operator=(const DirectoryLock&) = delete;

 private:
  explicit DirectoryLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace sextant
