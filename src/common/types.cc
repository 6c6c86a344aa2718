#include "common/types.h"

#include <algorithm>
#include <cmath>

namespace sextant {

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<PointId> PointId::ParseUuid(std::string_view text) {
  if (text.size() > 9 && (text.substr(0, 9) == "urn:uuid:" || text.substr(0, 9) == "URN:UUID:")) {
    text.remove_prefix(9);
  } else if (text.size() == 38 && text.front() == '{' && text.back() == '}') {
    text = text.substr(1, 36);
  }
  std::string hex;
  if (text.size() == 36) {
    // Hyphens exactly at 8-4-4-4-12.
    for (size_t i = 0; i < 36; ++i) {
      const bool dash_pos = i == 8 || i == 13 || i == 18 || i == 23;
      if (dash_pos != (text[i] == '-')) return std::nullopt;
      if (!dash_pos) hex.push_back(text[i]);
    }
  } else if (text.size() == 32) {
    hex = std::string(text);
  } else {
    return std::nullopt;
  }
  uint64_t hi = 0, lo = 0;
  for (size_t i = 0; i < 32; ++i) {
    const int v = HexValue(hex[i]);
    if (v < 0) return std::nullopt;
    uint64_t& part = i < 16 ? hi : lo;
    part = (part << 4) | static_cast<uint64_t>(v);
  }
  return PointId::Uuid(hi, lo);
}

std::string PointId::ToString() const {
  if (is_num()) return std::to_string(lo_);
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 32; ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20) out.push_back('-');
    const uint64_t part = i < 16 ? hi_ : lo_;
    const int shift = (15 - (i % 16)) * 4;
    out.push_back(kDigits[(part >> shift) & 0xF]);
  }
  return out;
}

std::optional<Metric> ParseMetric(std::string_view name) {
  if (name == "Cosine") return Metric::kCosine;
  if (name == "Euclid") return Metric::kEuclid;
  if (name == "Dot") return Metric::kDot;
  if (name == "Manhattan") return Metric::kManhattan;
  return std::nullopt;
}

const char* MetricName(Metric m) {
  switch (m) {
    case Metric::kCosine: return "Cosine";
    case Metric::kEuclid: return "Euclid";
    case Metric::kDot: return "Dot";
    case Metric::kManhattan: return "Manhattan";
  }
  return "?";
}

float ScoreFromDistance(Metric m, float distance) {
  switch (m) {
    case Metric::kCosine:
    case Metric::kDot: return 1.0f - distance;
    case Metric::kEuclid: return std::sqrt(std::max(distance, 0.0f));
    case Metric::kManhattan: return distance;
  }
  return distance;
}

float DistanceFromScore(Metric m, float score) {
  switch (m) {
    case Metric::kCosine:
    case Metric::kDot: return 1.0f - score;
    case Metric::kEuclid: return score < 0 ? -1.0f : score * score;
    case Metric::kManhattan: return score;
  }
  return score;
}

}  // namespace sextant
