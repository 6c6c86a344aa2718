// Progress of a long command: a bar with rate and ETA redrawn in place on a
// terminal, a plain line every few seconds otherwise (logs, CI).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace sextant::cli {

class Progress {
 public:
  // `total` 0: unknown (no bar, no ETA). `unit`: what is counted ("points").
  Progress(std::string what, uint64_t total, std::string unit);
  // Counts below `done` were done before this run (a resume): the rate
  // counts only what this run does.
  void SetBase(uint64_t done) { start_done_ = done; }
  // `done` so far (absolute). Draws at most a few times a second.
  void Update(uint64_t done);
  // The final line.
  void Finish(uint64_t done);

 private:
  void Draw(uint64_t done, bool final);

  const std::string what_;
  const uint64_t total_;
  const std::string unit_;
  const bool tty_;
  const std::chrono::steady_clock::time_point start_;
  uint64_t start_done_ = 0;
  std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace sextant::cli
