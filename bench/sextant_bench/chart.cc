#include "sextant_bench/chart.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>

namespace sextant::bench {

namespace {

// A gnuplot string literal (double quotes; noenhanced text, so only \ and " matter).
std::string Quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

// What a series is called in the legend: engine, quantization, mode, the parameter.
std::string SeriesTitle(const ResultRow& r) {
  std::string title = r.engine;
  if (!r.quantization.empty() && r.quantization != "off") title += " " + r.quantization;
  if (r.mode == "http") title += " over HTTP";
  if (r.param != "exact") title += " [" + r.param + "]";
  return title;
}

struct Series {
  std::string title;
  bool exact = false;  // a single point: no line
  bool http = false;   // dashed, so the modes stand apart
  std::vector<const ResultRow*> points;
};

// Colours that stay apart on white (no yellow), then point shapes, by series.
constexpr const char* kColours[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e",
                                    "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#000000"};
constexpr int kPointTypes[] = {7, 5, 9, 11, 13, 15, 4, 6, 8, 10, 12, 14};

// One `plot` of every series over [x_min:x_max]; points labelled with ef / nprobe.
void Plot(std::ostringstream& gp, const std::vector<Series>& series, double x_min, double x_max) {
  gp << "set xrange [" << x_min << ":" << x_max << "]\n";
  if (series.empty()) {
    gp << "set yrange [1:10]\nset label 1 \"no rows to draw\" at graph 0.5, graph 0.5 center\nplot 1/0 notitle\n";
    return;
  }
  gp << "plot ";
  for (size_t i = 0; i < series.size(); ++i) {
    const std::string colour = kColours[i % (sizeof(kColours) / sizeof(kColours[0]))];
    const int pt = kPointTypes[i % (sizeof(kPointTypes) / sizeof(kPointTypes[0]))];
    if (i) gp << ", \\\n     ";
    gp << "$s" << i << " using 1:2 with " << (series[i].exact ? "points" : "linespoints") << " lw 2 dt "
       << (series[i].http ? 2 : 1) << " pt " << pt << " ps " << (series[i].exact ? 1.8 : 1.2) << " lc rgb \""
       << colour << "\" title " << Quoted(series[i].title) << ", \\\n     $s" << i
       << " using 1:2:3 with labels offset char 0.6,0.6 left font \",8\" tc rgb \"" << colour << "\" notitle";
  }
  gp << "\n";
}

}  // namespace

std::string ChartScript(const std::vector<ResultRow>& rows, const ChartOptions& options) {
  std::vector<Series> series;
  double min_recall = 1.0;
  for (const ResultRow& r : rows) {
    if (!std::isfinite(r.recall) || !std::isfinite(r.qps) || r.qps <= 0) continue;
    const std::string title = SeriesTitle(r);
    auto it = std::find_if(series.begin(), series.end(), [&](const Series& s) { return s.title == title; });
    if (it == series.end()) {
      series.push_back(Series{title, r.param == "exact", r.mode == "http", {}});
      it = series.end() - 1;
    }
    it->points.push_back(&r);
    min_recall = std::min(min_recall, r.recall);
  }
  // The x range starts at a multiple of 0.05 below the lowest recall. Curves
  // crowd near recall 1, so when the range is wide a second panel zooms into
  // recall >= 0.9, where the choice of ef / nprobe is usually made.
  const double x_min = std::max(0.0, std::floor((min_recall - 0.02) * 20.0) / 20.0);
  const bool zoom = x_min < 0.85;

  std::ostringstream gp;
  gp << "# sextant-bench: recall-QPS chart. Redraw with `gnuplot " << options.basename << ".gp` in this directory.\n"
     << "set xlabel " << Quoted("recall@" + std::to_string(options.k)) << "\n"
     << "set ylabel \"queries per second\"\n"
     << "set logscale y\n"
     << "set format y \"%.0f\"\n"
     << "set grid back xtics ytics mytics lt 1 lw 1 lc rgb \"#c4c4c4\", lt 1 lw 1 lc rgb \"#ececec\"\n"
     << "set datafile separator \"\\t\"\n";
  for (size_t i = 0; i < series.size(); ++i) {
    gp << "$s" << i << " << EOD\n";
    for (const ResultRow* r : series[i].points) {
      char line[128];
      std::snprintf(line, sizeof(line), "%.4f\t%.1f\t", r->recall, r->qps);
      gp << line << (series[i].exact ? std::string("exact") : std::to_string(long(r->value))) << "\n";
    }
    gp << "EOD\n";
  }
  // The same drawing for each terminal (multiplot cannot be replotted).
  const char* size = zoom ? "1600,760" : "1200,760";
  for (const char* format : {"png", "svg"}) {
    if (std::string(format) == "png") {
      gp << "if (strstrt(GPVAL_TERMINALS, \"pngcairo\") > 0) {\n"
         << "  set terminal pngcairo size " << size << " noenhanced font \"Sans,11\"\n"
         << "} else {\n"
         << "  set terminal png size " << size << " noenhanced\n"
         << "}\n";
    } else {
      gp << "set terminal svg size " << size << " noenhanced font \"Sans,11\" background rgb \"white\"\n";
    }
    gp << "set output " << Quoted(options.basename + "." + format) << "\n";
    if (zoom) {
      gp << "set multiplot layout 1,2 title " << Quoted(options.title) << "\n"
         << "set title \"every row\"\n"
         << "set key inside bottom left opaque box\n";
      Plot(gp, series, x_min, 1.01);
      gp << "set title \"recall >= 0.9 (zoom)\"\n"
         << "unset key\n";
      Plot(gp, series, 0.9, 1.002);
      gp << "unset multiplot\n";
    } else {
      gp << "set title " << Quoted(options.title) << "\n"
         << "set key inside bottom left opaque box\n";
      Plot(gp, series, x_min, 1.01);
    }
    gp << "unset output\n";
  }
  return gp.str();
}

std::string FindGnuplot() {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (dir.empty()) continue;
    const std::string candidate = dir + "/gnuplot";
    struct stat st {};
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  return "";
}

Status RunGnuplot(const std::string& gnuplot, const std::string& dir, const std::string& script_name) {
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t pid = ::fork();
  if (pid < 0) return Status::IOError(std::string("cannot start gnuplot: ") + std::strerror(errno));
  if (pid == 0) {
    // The child: only async-signal-safe calls until exec.
    if (::chdir(dir.c_str()) != 0) ::_exit(126);
    ::execl(gnuplot.c_str(), gnuplot.c_str(), script_name.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return Status::IOError(std::string("waiting for gnuplot: ") + std::strerror(errno));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return Status::IOError(gnuplot + " " + script_name + " failed (exit status " +
                           std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + ")");
  }
  return Status::OK();
}

}  // namespace sextant::bench
