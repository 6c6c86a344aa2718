#include "cli/progress.h"

#include <unistd.h>

#include <cstdio>

namespace sextant::cli {

namespace {

std::string Duration(double seconds) {
  if (seconds < 0 || seconds > 1e7) return "?";
  const auto s = static_cast<uint64_t>(seconds + 0.5);
  char text[32];
  if (s >= 3600) {
    std::snprintf(text, sizeof(text), "%lluh%02llum", static_cast<unsigned long long>(s / 3600),
                  static_cast<unsigned long long>(s / 60 % 60));
  } else {
    std::snprintf(text, sizeof(text), "%llum%02llus", static_cast<unsigned long long>(s / 60),
                  static_cast<unsigned long long>(s % 60));
  }
  return text;
}

}  // namespace

Progress::Progress(std::string what, uint64_t total, std::string unit)
    : what_(std::move(what)),
      total_(total),
      unit_(std::move(unit)),
      tty_(::isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()) {}

void Progress::Update(uint64_t done) {
  const auto now = std::chrono::steady_clock::now();
  const auto interval = tty_ ? std::chrono::milliseconds(200) : std::chrono::milliseconds(5000);
  if (now - last_draw_ < interval) return;
  last_draw_ = now;
  Draw(done, false);
}

void Progress::Finish(uint64_t done) {
  Draw(done, true);
}

void Progress::Draw(uint64_t done, bool final) {
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = elapsed > 0 && done > start_done_ ? static_cast<double>(done - start_done_) / elapsed : 0;
  const double eta = rate > 0 && total_ > done ? static_cast<double>(total_ - done) / rate : 0;
  char line[256];
  if (tty_) {
    std::string bar;
    if (total_ > 0) {
      const int width = 30;
      const int filled = static_cast<int>(width * std::min(1.0, static_cast<double>(done) / total_));
      bar.assign(1, '[');  // appends, not `"[" + s`: GCC 12's spurious -Wrestrict
      bar.append(static_cast<size_t>(filled), '#');
      bar.append(static_cast<size_t>(width - filled), '.');
      bar.append("] ");
    }
    std::snprintf(line, sizeof(line), "\r%s %s%llu%s%s %s  %.0f %s/s  %s %s", what_.c_str(), bar.c_str(),
                  static_cast<unsigned long long>(done), total_ ? "/" : "",
                  total_ ? std::to_string(total_).c_str() : "", unit_.c_str(), rate, unit_.c_str(),
                  final ? "in" : "ETA", Duration(final ? elapsed : eta).c_str());
    std::fputs(line, stderr);
    if (final) std::fputc('\n', stderr);
  } else {
    std::snprintf(line, sizeof(line), "%s: %llu%s%s %s, %.0f %s/s, %s %s\n", what_.c_str(),
                  static_cast<unsigned long long>(done), total_ ? " of " : "",
                  total_ ? std::to_string(total_).c_str() : "", unit_.c_str(), rate, unit_.c_str(),
                  final ? "took" : "ETA", Duration(final ? elapsed : eta).c_str());
    std::fputs(line, stderr);
  }
  std::fflush(stderr);
}

}  // namespace sextant::cli
