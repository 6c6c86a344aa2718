#include "sextant_bench/report_writer.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "sextant_bench/json_text.h"

namespace sextant::bench {

namespace {

// One cell: text, and whether it is a JSON string (else a number or null).
struct Cell {
  std::string text;
  bool is_string = false;
};

Cell Str(const std::string& s) { return Cell{s, true}; }
Cell Int(size_t v) { return Cell{std::to_string(v), false}; }
// Fixed decimals keep the CSV readable; "" (null) when not applicable.
Cell Num(double v, int decimals) {
  if (!std::isfinite(v)) return Cell{"", false};
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, v);
  return Cell{buf, false};
}

// The cells of a row in ReportColumns() order.
std::vector<Cell> Cells(const ResultRow& r) {
  return {Str(r.engine),     Str(r.mode),      Str(r.dataset),   Str(r.metric),       Int(r.k),
          Str(r.quantization), Str(r.param),   Num(r.value, 0),  Num(r.recall, 4),    Num(r.qps, 1),
          Num(r.p50_ms, 3),  Num(r.p95_ms, 3), Num(r.p99_ms, 3), Num(r.build_s, 3),   Num(r.upload_s, 3),
          Num(r.memory_mb, 1), Int(r.clients), Int(r.queries)};
}

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

}  // namespace

const std::vector<std::string>& ReportColumns() {
  static const std::vector<std::string> columns = {
      "engine", "mode",   "dataset", "metric",  "k",       "quantization", "param",    "value",     "recall",
      "qps",    "p50_ms", "p95_ms",  "p99_ms",  "build_s", "upload_s",     "memory_mb", "clients", "queries"};
  return columns;
}

std::string CsvReport(const std::vector<ResultRow>& rows) {
  std::string out;
  const auto& columns = ReportColumns();
  for (size_t i = 0; i < columns.size(); ++i) {
    if (i) out.push_back(',');
    out += columns[i];
  }
  out.push_back('\n');
  for (const ResultRow& row : rows) {
    const std::vector<Cell> cells = Cells(row);
    for (size_t i = 0; i < cells.size(); ++i) {
      if (i) out.push_back(',');
      out += CsvField(cells[i].text);
    }
    out.push_back('\n');
  }
  return out;
}

std::string JsonReport(const ReportInfo& info, const std::vector<ResultRow>& rows) {
  std::string out = "{\"tool\":\"sextant-bench\",\"dataset\":";
  AppendJsonString(&out, info.dataset);
  out += ",\"metric\":";
  AppendJsonString(&out, info.metric);
  out += ",\"metric_source\":";
  AppendJsonString(&out, info.metric_source);
  out += ",\"base_rows\":" + std::to_string(info.base_rows) + ",\"dim\":" + std::to_string(info.dim) +
         ",\"queries\":" + std::to_string(info.queries) + ",\"k\":" + std::to_string(info.k) + ",\"ground_truth\":";
  AppendJsonString(&out, info.ground_truth);
  out += ",\"m\":" + std::to_string(info.m) + ",\"ef_construct\":" + std::to_string(info.ef_construct) +
         ",\"build_threads\":" + std::to_string(info.build_threads) + ",\"url\":";
  if (info.url.empty()) {
    out += "null";
  } else {
    AppendJsonString(&out, info.url);
  }
  out += ",\"started_at\":";
  AppendJsonString(&out, info.started_at);
  out += ",\"columns\":[";
  const auto& columns = ReportColumns();
  for (size_t i = 0; i < columns.size(); ++i) {
    if (i) out.push_back(',');
    AppendJsonString(&out, columns[i]);
  }
  out += "],\"rows\":[";
  for (size_t r = 0; r < rows.size(); ++r) {
    out += r ? ",\n  {" : "\n  {";
    const std::vector<Cell> cells = Cells(rows[r]);
    for (size_t i = 0; i < cells.size(); ++i) {
      if (i) out.push_back(',');
      AppendJsonString(&out, columns[i]);
      out.push_back(':');
      if (cells[i].is_string) {
        AppendJsonString(&out, cells[i].text);
      } else {
        out += cells[i].text.empty() ? "null" : cells[i].text;
      }
    }
    out.push_back('}');
  }
  out += "\n]}\n";
  return out;
}

Status WriteTextFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return Status::IOError("cannot write " + path + ": " + std::strerror(errno));
  out << text;
  out.close();
  if (!out) return Status::IOError("cannot write " + path + ": " + std::strerror(errno));
  return Status::OK();
}

}  // namespace sextant::bench
