// sextant-bench against the real binary: an HTTP sweep of a running server
// with 4 clients next to raw hnswlib and our HNSW in process, on siftsmall,
// checked through the CSV, JSON and chart it writes; and its exit codes.
#include <catch2/catch.hpp>

#include <simdjson.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "support/datasets.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

namespace sextant::testing {

namespace {

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

CommandResult RunSextantBench(const std::string& args) {
  const std::string command = std::string(SEXTANT_BENCH_BINARY) + " " + args + " 2>&1";
  CommandResult result;
  std::FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer;
  size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.output.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

using CsvRow = std::map<std::string, std::string>;

// Our CSV has no quoted cells (names without commas), so a split will do.
std::vector<std::string> SplitCsvLine(const std::string& line) {
  std::vector<std::string> cells;
  std::stringstream in(line);
  std::string cell;
  while (std::getline(in, cell, ',')) cells.push_back(cell);
  if (!line.empty() && line.back() == ',') cells.emplace_back();
  return cells;
}

double Num(const CsvRow& row, const std::string& column) { return std::stod(row.at(column)); }

}  // namespace

TEST_CASE("sextant-bench sweeps a server over HTTP and hnswlib and our HNSW in process", "[e2e][bench]") {
  TempDir data, out;
  ServerProcess server(data.path());
  const std::string url = "http://127.0.0.1:" + std::to_string(server.port());
  auto r = RunSextantBench("--dataset " + SharedDataDir() + "/siftsmall --url " + url +
                           " --clients 4 --ef 16,64,128 --k 10 --engines hnswlib,sextant-hnsw --min-seconds 0.2"
                           " --out-dir " + out.path() + " --name run");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);

  // The header, in the documented order, then one row per (engine, mode, ef).
  std::ifstream csv(out.Sub("run.csv"));
  std::string line;
  REQUIRE(std::getline(csv, line));
  const std::vector<std::string> header = SplitCsvLine(line);
  const std::vector<std::string> expected = {"engine",   "mode",     "dataset", "metric",  "k",         "quantization",
                                             "param",    "value",    "recall",  "qps",     "p50_ms",    "p95_ms",
                                             "p99_ms",   "build_s",  "upload_s", "memory_mb", "clients", "queries"};
  REQUIRE(header == expected);
  std::vector<CsvRow> rows;
  while (std::getline(csv, line)) {
    const std::vector<std::string> cells = SplitCsvLine(line);
    REQUIRE(cells.size() == header.size());
    CsvRow row;
    for (size_t i = 0; i < cells.size(); ++i) row[header[i]] = cells[i];
    rows.push_back(row);
  }

  std::map<std::string, std::vector<CsvRow>> series;  // "engine mode"
  for (const CsvRow& row : rows) {
    INFO(row.at("engine") << " " << row.at("mode") << " " << row.at("param") << "=" << row.at("value"));
    CHECK(row.at("dataset") == "siftsmall");
    CHECK(row.at("metric") == "l2");
    CHECK(row.at("k") == "10");
    CHECK(row.at("clients") == "4");
    CHECK(Num(row, "recall") >= 0.0);
    CHECK(Num(row, "recall") <= 1.0);
    CHECK(Num(row, "qps") > 0);
    CHECK(Num(row, "p50_ms") <= Num(row, "p95_ms"));
    CHECK(Num(row, "p95_ms") <= Num(row, "p99_ms"));
    CHECK(Num(row, "queries") >= 100);
    CHECK(Num(row, "build_s") > 0);
    if (row.at("mode") == "http") {
      CHECK(Num(row, "upload_s") > 0);
      CHECK(Num(row, "build_s") >= Num(row, "upload_s"));
    } else {
      CHECK(row.at("upload_s").empty());  // not applicable in process
      CHECK(Num(row, "memory_mb") > 0);
    }
    series[row.at("engine") + " " + row.at("mode")].push_back(row);
  }
  REQUIRE(series.size() == 4);
  for (const char* name : {"sextant-hnsw http", "sextant-hnsw inprocess", "hnswlib inprocess"}) {
    INFO(name);
    const auto& s = series[name];
    REQUIRE(s.size() == 3);
    CHECK(s[0].at("value") == "16");
    CHECK(s[1].at("value") == "64");
    CHECK(s[2].at("value") == "128");
    for (size_t i = 1; i < s.size(); ++i) CHECK(Num(s[i], "recall") >= Num(s[i - 1], "recall") - 0.02);
  }
  CHECK(Num(series["sextant-hnsw http"][2], "recall") >= 0.95);
  CHECK(Num(series["sextant-hnsw inprocess"][2], "recall") >= 0.95);
  const auto& exact = series["sextant-exact http"];
  REQUIRE(exact.size() == 1);
  CHECK(exact[0].at("param") == "exact");
  CHECK(exact[0].at("value").empty());
  CHECK(Num(exact[0], "recall") == 1.0);

  // The JSON: the same rows, nulls where the CSV is empty.
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  REQUIRE(parser.load(out.Sub("run.json")).get(doc) == simdjson::SUCCESS);
  simdjson::dom::array json_rows;
  REQUIRE(doc["rows"].get_array().get(json_rows) == simdjson::SUCCESS);
  REQUIRE(json_rows.size() == rows.size());
  CHECK(std::string_view(doc["dataset"]) == "siftsmall");
  CHECK(uint64_t(doc["k"]) == 10);
  for (size_t i = 0; i < rows.size(); ++i) {
    simdjson::dom::element row = json_rows.at(i);
    CHECK(std::string_view(row["engine"]) == rows[i].at("engine"));
    CHECK(std::string_view(row["mode"]) == rows[i].at("mode"));
    CHECK(double(row["recall"]) == Approx(Num(rows[i], "recall")));
    if (rows[i].at("mode") == "inprocess") CHECK(row["upload_s"].is_null());
  }

  // The chart, when gnuplot is installed (Debian gnuplot-nox).
  if (std::system("command -v gnuplot > /dev/null 2>&1") == 0) {
    CHECK(std::filesystem::file_size(out.Sub("run.png")) > 1000);
    CHECK(std::filesystem::file_size(out.Sub("run.svg")) > 1000);
  } else {
    CHECK(r.output.find("gnuplot is not installed") != std::string::npos);
  }
  CHECK(std::filesystem::file_size(out.Sub("run.gp")) > 0);

  // The collection it created is gone.
  HttpClient http(server.port());
  CHECK(http.Get("/collections").body.find("\"collections\":[]") != std::string::npos);
}

TEST_CASE("sextant-bench exits 2 on bad usage and 1 with a reason when the run fails", "[e2e][bench]") {
  TempDir out;
  const std::string sift = " --dataset " + SharedDataDir() + "/siftsmall --out-dir " + out.path();
  CHECK(RunSextantBench("--help").exit_code == 0);

  auto r = RunSextantBench("--engines hnswlib");
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("--dataset") != std::string::npos);
  r = RunSextantBench(sift + " --engines annoy");
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("unknown engine \"annoy\"") != std::string::npos);
  r = RunSextantBench(sift + " --ef 0");
  CHECK(r.exit_code == 2);
  r = RunSextantBench(sift + " --url https://127.0.0.1:1");
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("http://") != std::string::npos);
  r = RunSextantBench("--dataset " + out.Sub("missing"));
  CHECK(r.exit_code == 2);

  // Nothing listens on the port: a failed run, with the reason.
  r = RunSextantBench(sift + " --url http://127.0.0.1:" + std::to_string(FreeLoopbackPort()) + " --name down");
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("cannot reach") != std::string::npos);
  // k beyond the ground truth's 100 neighbours.
  r = RunSextantBench(sift + " --engines sextant-hnsw -k 101 --name big-k");
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("--exact-gt") != std::string::npos);
}

}  // namespace sextant::testing
