// ServerProcess: starts the real `sextant serve` binary on a free loopback port
// with its own data dir, waits until /readyz answers, and stops it (SIGTERM, or
// SIGKILL for crash tests) on request or at scope exit.
#pragma once

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/http_client.h"
#include "support/https_client.h"

namespace sextant::testing {

// A port the kernel says is free right now (bound to 0, then released).
inline uint16_t FreeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

struct ServerProcessOptions {
  std::string log_file;  // set: the server's stdout and stderr go (appended) there
  std::string tls_ca;    // set: the server speaks HTTPS; readiness is probed with this CA
};

class ServerProcess {
 public:
  ServerProcess(std::string data_dir, std::vector<std::string> extra_args = {}, ServerProcessOptions options = {})
      : data_dir_(std::move(data_dir)), extra_args_(std::move(extra_args)), options_(std::move(options)) {
    Start();
  }
  ~ServerProcess() { Stop(SIGKILL); }

  void Start() {
    port_ = FreeLoopbackPort();
    std::vector<std::string> args = {SEXTANT_BINARY, "serve", "--host", "127.0.0.1", "--port",
                                     std::to_string(port_), "--data-dir", data_dir_, "--log-level", "warn"};
    args.insert(args.end(), extra_args_.begin(), extra_args_.end());
    pid_ = ::fork();
    if (pid_ == 0) {
      if (!options_.log_file.empty()) {
        const int fd = ::open(options_.log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
          ::dup2(fd, 1);
          ::dup2(fd, 2);
          ::close(fd);
        }
      }
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      try {
        if (options_.tls_ca.empty()) {
          HttpClient probe(port_);
          if (probe.Get("/readyz").status == 200) return;
        } else {
          HttpsClient probe(port_, options_.tls_ca);
          if (probe.Get("/readyz").status == 200) return;
        }
      } catch (const std::exception&) {
      }
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error("sextant exited during start-up");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    throw std::runtime_error("sextant did not become ready");
  }

  // Sends `signal` and waits for the process; returns its exit status.
  int Stop(int signal = SIGTERM) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, signal);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }
  void Restart() {
    Stop(SIGTERM);
    Start();
  }
  pid_t pid() const { return pid_; }
  uint16_t port() const { return port_; }

 private:
  std::string data_dir_;
  std::vector<std::string> extra_args_;
  ServerProcessOptions options_;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
};

}  // namespace sextant::testing
