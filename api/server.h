// HttpServer: Boost.Beast over Asio. I/O threads only read and write; every
// request is handled on the compute pool and its response is posted back to the
// connection's strand. Keep-alive, a body limit, read/write timeouts, and a
// graceful Stop() that finishes in-flight requests.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "api/router.h"
#include "common/status.h"

namespace sextant::api {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 6333;                 // 0 = any free port (see port())
  size_t io_threads = 1;                // socket threads
  size_t compute_threads = 2;           // request handlers (searches, reads)
  // Handlers of durable writes, which mostly wait for a shared fsync: enough
  // of them that concurrent writers can share one (group commit).
  size_t writer_threads = 32;
  // Handlers of routes that read their body as it arrives (bulk upload,
  // snapshot upload). A pool of their own, so that slow or stalled uploads
  // never hold the threads other writes need; more streams than this wait
  // their turn (each holding at most a few MiB of its body meanwhile).
  size_t stream_threads = 4;
  // PEM files; both set: HTTPS only (TLS 1.2+), Start() fails if they do not load.
  std::string tls_cert_file;
  std::string tls_key_file;
  size_t body_limit = 32 << 20;         // bytes; larger bodies get 413 (Qdrant: 32 MB)
  std::chrono::seconds read_timeout{60};   // a request must arrive within this
  std::chrono::seconds write_timeout{60};  // a response must be sent within this
  std::chrono::seconds idle_timeout{120};  // keep-alive connections idle longer are closed
  std::chrono::seconds shutdown_grace{30}; // Stop() waits this long for in-flight requests
};

class HttpServer {
 public:
  // `router` must outlive the server.
  HttpServer(ServerOptions options, const Router& router);
  ~HttpServer();

  // Binds and listens. Fails (IOError) if the address is taken.
  Status Start();
  // The bound port (useful with port 0).
  uint16_t port() const;
  // Runs until Stop() or SIGINT/SIGTERM; then stops accepting, waits for
  // in-flight requests (up to shutdown_grace) and returns.
  void Run();
  // Thread-safe; may be called from any thread.
  void Stop();

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace sextant::api
