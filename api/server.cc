// The only file that includes Boost.Beast / Asio. Shape after Beast's
// advanced_server example: listener -> session -> handler, strand per session.
// With a certificate the server speaks HTTPS only: the same Session over a
// TLS stream (advanced_server_flex), never both on one port.
#include "api/server.h"
#include "api/http_text.h"

#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <mutex>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/file_body.hpp>
#include <boost/beast/version.hpp>
#include <thread>
#include <vector>

#include "api/error_mapping.h"

namespace sextant::api {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

// Method, path, query and content type: what routing needs, from the header.
template <typename Body>
HttpRequest RequestHead(const http::request<Body>& req) {
  HttpRequest out;
  out.method = std::string(req.method_string());
  const std::string_view target(req.target().data(), req.target().size());
  const size_t q = target.find('?');
  out.path = PercentDecode(target.substr(0, q), false);
  if (q != std::string_view::npos) {
    std::string_view query = target.substr(q + 1);
    while (!query.empty()) {
      const size_t amp = query.find('&');
      const std::string_view pair = query.substr(0, amp);
      const size_t eq = pair.find('=');
      if (!pair.empty()) {
        out.query[PercentDecode(pair.substr(0, eq), true)] =
            eq == std::string_view::npos ? "" : PercentDecode(pair.substr(eq + 1), true);
      }
      query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    }
  }
  auto ct = req.find(http::field::content_type);
  if (ct != req.end()) out.content_type = std::string(ct->value());
  if (auto key = req.find("api-key"); key != req.end()) {
    out.api_key = std::string(key->value());
  } else if (auto auth = req.find(http::field::authorization); auth != req.end()) {
    constexpr std::string_view kBearer = "Bearer ";
    const std::string_view value(auth->value().data(), auth->value().size());
    if (value.size() > kBearer.size() && value.substr(0, kBearer.size()) == kBearer) {
      out.api_key = std::string(value.substr(kBearer.size()));
    }
  }
  return out;
}

// The body of a streaming request, passed from the connection's strand (which
// pushes what arrives) to the handler's thread (which reads it). At most
// kHighWater bytes wait; above that the strand stops reading the socket until
// the handler has caught up, so TCP flow control slows the client down.
class BodyChannel : public BodyReader {
 public:
  static constexpr size_t kChunk = size_t{1} << 20;
  static constexpr size_t kHighWater = 4 * kChunk;

  // Strand: queues `data`. Returns false when the reader is behind; `resume`
  // is then called (from the reader's thread) once it has caught up.
  bool Push(std::string data, std::function<void()> resume) {
    std::lock_guard<std::mutex> lock(mu_);
    if (abandoned_) return true;  // nobody reads any more: drop it
    buffered_ += data.size();
    chunks_.push_back(std::move(data));
    cv_.notify_all();
    if (buffered_ < kHighWater) return true;
    resume_ = std::move(resume);
    return false;
  }
  void Finish() {
    std::lock_guard<std::mutex> lock(mu_);
    finished_ = true;
    cv_.notify_all();
  }
  void Fail(std::string error) {
    std::lock_guard<std::mutex> lock(mu_);
    if (finished_) return;  // the body was complete: its end stays an end
    error_ = std::move(error);
    finished_ = true;
    cv_.notify_all();
  }
  // The handler has answered: whatever else arrives is dropped.
  void Abandon() {
    std::lock_guard<std::mutex> lock(mu_);
    abandoned_ = true;
    chunks_.clear();
    buffered_ = 0;
  }

  Result<size_t> Read(char* dst, size_t n) override {
    std::function<void()> resume;
    size_t copied = 0;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return !chunks_.empty() || finished_; });
      if (chunks_.empty()) {
        if (!error_.empty()) return Status::InvalidArgument("the request body could not be read: " + error_);
        return size_t{0};
      }
      std::string& front = chunks_.front();
      copied = std::min(n, front.size() - front_pos_);
      std::memcpy(dst, front.data() + front_pos_, copied);
      front_pos_ += copied;
      buffered_ -= copied;
      if (front_pos_ == front.size()) {
        chunks_.pop_front();
        front_pos_ = 0;
      }
      if (resume_ && buffered_ <= kHighWater / 2) resume = std::move(resume_), resume_ = nullptr;
    }
    if (resume) resume();
    return copied;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> chunks_;
  size_t front_pos_ = 0;
  size_t buffered_ = 0;
  bool finished_ = false;
  bool abandoned_ = false;
  std::string error_;
  std::function<void()> resume_;
};

}  // namespace

class HttpServer::Impl {
 public:
  Impl(ServerOptions options, const Router& router)
      : options_(std::move(options)),
        router_(router),
        ioc_(static_cast<int>(options_.io_threads)),
        acceptor_(asio::make_strand(ioc_)),
        signals_(ioc_, SIGINT, SIGTERM),
        compute_(options_.compute_threads),
        writers_(std::max<size_t>(options_.writer_threads, 1)),
        streams_(std::max<size_t>(options_.stream_threads, 1)) {}

  Status Start() {
    if (!options_.tls_cert_file.empty()) {
      if (auto s = LoadTls(); !s.ok()) return s;
    }
    beast::error_code ec;
    auto address = asio::ip::make_address(options_.host, ec);
    if (ec) return Status::InvalidArgument("bad host " + options_.host + ": " + ec.message());
    tcp::endpoint endpoint(address, options_.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return Status::IOError("cannot listen on " + options_.host + ":" +
                             std::to_string(options_.port) + ": " + ec.message());
    }
    port_ = acceptor_.local_endpoint().port();
    signals_.async_wait([this](beast::error_code e, int sig) {
      if (!e) {
        spdlog::info("signal {}: shutting down", sig);
        Stop();
      }
    });
    DoAccept();
    return Status::OK();
  }

  uint16_t port() const { return port_; }

  void Run() {
    std::vector<std::thread> threads;
    for (size_t i = 1; i < options_.io_threads; ++i) threads.emplace_back([this] { ioc_.run(); });
    ioc_.run();
    for (auto& t : threads) t.join();
    compute_.join();
    writers_.join();
    streams_.join();
  }

  void Stop() {
    bool expected = false;
    if (!stopping_.compare_exchange_strong(expected, true)) return;
    router_.NotifyStop();  // long-running handlers answer now rather than hold up the shutdown
    asio::post(acceptor_.get_executor(), [this] {
      beast::error_code ec;
      acceptor_.close(ec);
      signals_.cancel(ec);
    });
    // Wait for in-flight requests off the I/O threads, then stop the loop.
    std::thread([this] {
      const auto deadline = std::chrono::steady_clock::now() + options_.shutdown_grace;
      while (in_flight_.load() > 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      FailChannels();  // or their handlers would wait for bodies that never come
      ioc_.stop();
    }).detach();
  }

  // Runs the router on the compute pool (the writer pool for routes that wait
  // for the disk, the stream pool for routes that stream their body); `done`
  // is called there with the answer.
  Router::Resolved Resolve(HttpRequest& request) const { return router_.Resolve(request); }

  template <typename Done>
  void Handle(HttpRequest request, const Router::Resolved& resolved, Done done) {
    asio::thread_pool& pool = resolved.streams_body()                                   ? streams_
                              : resolved.waits_for_disk() || resolved.long_running() ? writers_
                                                                                       : compute_;
    asio::post(pool, [this, resolved, request = std::move(request), done = std::move(done)]() mutable {
      HttpResponse response;
      try {
        response = router_.Run(resolved, request);
      } catch (const std::exception& e) {
        // Handlers return Status; a throw here is a bug, but the server survives it.
        spdlog::error("handler threw: {}", e.what());
        response = ErrorResponse(Status::Internal(e.what()));
      }
      done(std::move(response));
    });
  }

  const ServerOptions& options() const { return options_; }
  std::atomic<int>& in_flight() { return in_flight_; }
  // Streaming handlers blocked on a body are woken with an error at shutdown.
  void TrackChannel(const std::shared_ptr<BodyChannel>& channel) {
    std::lock_guard<std::mutex> lock(channels_mu_);
    // A stream that starts after shutdown failed the others would wait forever.
    if (channels_failed_) return channel->Fail("the server is shutting down");
    std::erase_if(channels_, [](const std::weak_ptr<BodyChannel>& c) { return c.expired(); });
    channels_.push_back(channel);
  }
  void FailChannels() {
    std::lock_guard<std::mutex> lock(channels_mu_);
    channels_failed_ = true;
    for (auto& weak : channels_) {
      if (auto c = weak.lock()) c->Fail("the server is shutting down");
    }
  }
  bool stopping() const { return stopping_.load(); }

 private:
  void DoAccept();

  // TLS 1.2 and 1.3 only, with the certificate chain and key of the options.
  Status LoadTls() {
    try {
      tls_.emplace(asio::ssl::context::tls_server);
      tls_->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                        asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                        asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
      tls_->use_certificate_chain_file(options_.tls_cert_file);
      tls_->use_private_key_file(options_.tls_key_file, asio::ssl::context::pem);
    } catch (const boost::system::system_error& e) {
      tls_.reset();
      return Status::InvalidArgument("cannot load the TLS certificate " + options_.tls_cert_file + " and key " +
                                     options_.tls_key_file + ": " + e.what());
    }
    return Status::OK();
  }

  ServerOptions options_;
  const Router& router_;
  asio::io_context ioc_;
  // Keeps Run() going until Stop() ends it: while handlers run on the pools
  // the loop may have nothing else to do, and their answers must still go out.
  asio::executor_work_guard<asio::io_context::executor_type> work_{ioc_.get_executor()};
  tcp::acceptor acceptor_;
  asio::signal_set signals_;
  asio::thread_pool compute_;
  asio::thread_pool writers_;
  asio::thread_pool streams_;
  std::optional<asio::ssl::context> tls_;  // set: HTTPS only
  uint16_t port_ = 0;
  std::atomic<int> in_flight_{0};
  std::atomic<bool> stopping_{false};
  std::mutex channels_mu_;
  std::vector<std::weak_ptr<BodyChannel>> channels_;  // GUARDED_BY(channels_mu_)
  bool channels_failed_ = false;                      // GUARDED_BY(channels_mu_)
};

namespace {

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// One connection: reads requests, hands them to the pools, writes answers.
// `Stream` is PlainStream or TlsStream; timeouts live on the TCP layer.
template <typename Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;
  using std::enable_shared_from_this<Session<Stream>>::shared_from_this;

 public:
  // `stream_args`: the socket, and the TLS context for a TlsStream.
  template <typename... StreamArgs>
  Session(HttpServer::Impl& server, StreamArgs&&... stream_args)
      : stream_(std::forward<StreamArgs>(stream_args)...), server_(server) {}

  void Run() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      if constexpr (kTls) {
        self->Tcp().expires_after(self->server_.options().read_timeout);
        self->stream_.async_handshake(asio::ssl::stream_base::server, [self](beast::error_code ec) {
          if (ec) return;  // not TLS, or a bad client: nothing to answer
          self->DoRead();
        });
      } else {
        self->DoRead();
      }
    });
  }

 private:
  beast::tcp_stream& Tcp() { return beast::get_lowest_layer(stream_); }

  void DoRead() {
    if (buffer_.size() == 0 && buffer_.capacity() > kSmallBody) buffer_.shrink_to_fit();
    parser_.emplace();
    // The limit depends on the route (streaming routes have none), so it is
    // set once the header is read (StartBody).
    parser_->body_limit(boost::none);
    Tcp().expires_after(server_.options().idle_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](beast::error_code ec, size_t) {
                              self->OnHeader(ec);
                            });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) return OnReadError(ec);
    auto& req = parser_->get();
    head_ = RequestHead(req);
    resolved_ = server_.Resolve(head_);
    // Large uploads (curl) wait for "100 Continue" before sending the body.
    if (req[http::field::expect] == "100-continue") {
      auto cont = std::make_shared<http::response<http::empty_body>>(http::status::continue_, req.version());
      http::async_write(stream_, *cont, [self = shared_from_this(), cont](beast::error_code e, size_t) {
        if (e) return self->Close();
        self->StartBody();
      });
      return;
    }
    StartBody();
  }

  void StartBody() {
    // Beast reads at most the buffer's free capacity per call (512 bytes at
    // least): with the few hundred bytes a header leaves, a 1.6 MB body took
    // ~2,700 reads (each with an epoll wait and a timer reset), most of a JSON
    // upsert's server time. A body gets 64 KiB reads; DoRead gives the memory
    // back between requests, so idle connections hold none.
    const auto length = parser_->content_length();
    if (parser_->chunked() || (length && *length > kSmallBody)) buffer_.reserve(kBodyReadBytes);
    if (resolved_.streams_body()) return StartStream();
    if (length && *length > server_.options().body_limit) {
      return OnReadError(http::error::body_limit);
    }
    parser_->body_limit(server_.options().body_limit);  // chunked bodies: as they arrive
    Tcp().expires_after(server_.options().read_timeout);
    http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->OnReadError(ec);
      self->OnRequest();
    });
  }

  void OnReadError(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::connection_reset || ec == asio::error::operation_aborted) {
      return Close();
    }
    if (ec == http::error::body_limit) {
      return SendAndClose(ErrorResponse(413, "Payload error: request body exceeds the limit of " +
                                                 std::to_string(server_.options().body_limit) + " bytes"));
    }
    // Anything else is a malformed request: answer 400 once, then close.
    SendAndClose(ErrorResponse(400, "Bad request: " + ec.message()));
  }

  void OnRequest() {
    http::request<http::string_body> req = parser_->release();
    HttpRequest request = std::move(head_);
    request.body = std::move(req.body());
    Dispatch(std::move(request), req.version(), req.keep_alive());
  }

  // Runs the handler; its answer is written on this session's strand. With a
  // `channel` (a streamed body), whatever still arrives once the handler has
  // answered is dropped (the channel lives until then).
  void Dispatch(HttpRequest request, unsigned version, bool keep_alive,
                std::shared_ptr<BodyChannel> channel = nullptr) {
    ++server_.in_flight();
    server_.Handle(std::move(request), resolved_,
                   [self = shared_from_this(), channel = std::move(channel), version, keep_alive](HttpResponse response) {
                     if (channel) channel->Abandon();
                     asio::post(self->stream_.get_executor(),
                                [self, version, keep_alive, response = std::move(response)]() mutable {
                                  self->Write(std::move(response), version, keep_alive && !self->server_.stopping());
                                });
                   });
  }

  // Streaming routes: the handler runs now and reads the body through a
  // BodyChannel that ReadChunk fills.
  void StartStream() {
    stream_parser_.emplace(std::move(*parser_));
    parser_.reset();
    stream_parser_->body_limit(boost::none);
    channel_ = std::make_shared<BodyChannel>();
    body_done_ = body_failed_ = response_written_ = keep_alive_after_stream_ = false;
    chunk_.resize(BodyChannel::kChunk);
    const auto& req = stream_parser_->get();
    HttpRequest request = std::move(head_);
    request.body_reader = channel_.get();
    server_.TrackChannel(channel_);
    Dispatch(std::move(request), req.version(), req.keep_alive(), channel_);
    if (stream_parser_->is_done()) {  // no body, or all of it came with the header
      channel_->Finish();
      body_done_ = true;
      return;
    }
    ReadChunk();
  }

  void ReadChunk() {
    // A resume after the answer or after the end of the body, or a second read.
    if (!stream_parser_ || response_written_ || body_done_ || body_failed_ || reading_chunk_) return;
    auto& body = stream_parser_->get().body();
    body.data = chunk_.data();
    body.size = chunk_.size();
    body.more = true;
    reading_chunk_ = true;
    Tcp().expires_after(server_.options().read_timeout);
    http::async_read_some(stream_, buffer_, *stream_parser_, [self = shared_from_this()](beast::error_code ec, size_t) {
      self->OnChunk(ec);
    });
  }

  void OnChunk(beast::error_code ec) {
    reading_chunk_ = false;
    if (ec == http::error::need_buffer) ec = {};
    if (ec) {
      channel_->Fail(ec == http::error::partial_message ? "the client closed the connection before the end of the body"
                                                        : ec.message());
      body_failed_ = true;
      return AfterChunk();
    }
    const size_t got = chunk_.size() - stream_parser_->get().body().size;
    const bool done = stream_parser_->is_done();
    bool more = true;
    if (got > 0) {
      auto self = shared_from_this();
      more = channel_->Push(std::string(chunk_.data(), got), [self] {
        asio::post(self->stream_.get_executor(), [self] { self->ReadChunk(); });
      });
    }
    if (done) {
      channel_->Finish();
      body_done_ = true;
      return AfterChunk();
    }
    if (response_written_) return AfterChunk();  // the handler answered early
    if (more) ReadChunk();
    // else: the reader calls the resume callback when it has caught up.
  }

  // After the response to a streaming request is out and no chunk read is
  // pending: go on with the connection if the body was read to its end, else
  // close it (politely: the client may still be sending).
  void AfterChunk() {
    if (!response_written_ || reading_chunk_) return;
    channel_.reset();
    if (body_done_ && keep_alive_after_stream_) {
      stream_parser_.reset();
      return DoRead();
    }
    stream_parser_.reset();
    if (body_failed_) return Close();
    DrainAndClose();
  }

  template <typename Message>
  static void SetCommon(Message& res, const HttpResponse& response, bool keep_alive) {
    res.set(http::field::server, "sextant");
    res.set(http::field::content_type, response.content_type);
    res.keep_alive(keep_alive);
  }

  static std::shared_ptr<http::response<http::string_body>> ToBeast(HttpResponse response,
                                                                      unsigned version, bool keep_alive) {
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(response.status), version);
    SetCommon(*res, response, keep_alive);
    res->body() = std::move(response.body);
    res->prepare_payload();
    return res;
  }

  void Write(HttpResponse response, unsigned version, bool keep_alive) {
    // An answer before the end of a streamed body: the connection closes after it.
    if (stream_parser_ && !body_done_) keep_alive = false;
    if (!response.file_path.empty()) {
      beast::error_code ec;
      http::file_body::value_type file;
      file.open(response.file_path.c_str(), beast::file_mode::scan, ec);
      if (ec) {
        response = ErrorResponse(404, "Not found: " + response.file_path + ": " + ec.message());
      } else {
        auto res = std::make_shared<http::response<http::file_body>>(static_cast<http::status>(response.status),
                                                                     version);
        SetCommon(*res, response, keep_alive);
        res->body() = std::move(file);
        res->prepare_payload();
        // A download may take long; the timeout is per operation, so allow
        // the write time for every 16 MiB at the slowest.
        Tcp().expires_after(server_.options().write_timeout * (1 + res->body().size() / (16 << 20)));
        return SendWritten(res);
      }
    }
    auto res = ToBeast(std::move(response), version, keep_alive);
    Tcp().expires_after(server_.options().write_timeout);
    SendWritten(res);
  }

  template <typename Response>
  void SendWritten(std::shared_ptr<Response> res) {
    http::async_write(stream_, *res, [self = shared_from_this(), res](beast::error_code ec, size_t) {
      --self->server_.in_flight();
      if (self->stream_parser_) {
        // A streaming request: the body may still be arriving.
        self->response_written_ = true;
        self->keep_alive_after_stream_ = !ec && res->keep_alive();
        if (ec) self->body_failed_ = true;
        return self->AfterChunk();
      }
      if (ec || !res->keep_alive()) return self->Close();
      self->DoRead();
    });
  }

  // For requests that never reached a handler (413, malformed HTTP).
  void SendAndClose(HttpResponse response) {
    auto res = ToBeast(std::move(response), 11, /*keep_alive=*/false);
    Tcp().expires_after(server_.options().write_timeout);
    http::async_write(stream_, *res, [self = shared_from_this(), res](beast::error_code, size_t) {
      self->DrainAndClose();
    });
  }

  // After an early answer (413, 400) the client may still be sending its body.
  // Closing with unread data would make the kernel send RST, and the client
  // would see "connection reset" instead of our answer; so stop sending, then
  // read and discard what still arrives for a few seconds.
  void DrainAndClose() {
    if constexpr (!kTls) {
      // (Over TLS the answer said "Connection: close"; the client closes.)
      beast::error_code ec;
      Tcp().socket().shutdown(tcp::socket::shutdown_send, ec);
    }
    Tcp().expires_after(std::chrono::seconds(5));
    DrainSome();
  }

  void DrainSome() {
    stream_.async_read_some(asio::buffer(drain_buffer_),
                            [self = shared_from_this()](beast::error_code ec, size_t) {
                              if (ec) return;  // EOF, timeout or reset: the session ends
                              self->DrainSome();
                            });
  }

  void Close() {
    if constexpr (kTls) {
      // close_notify, so the client knows the end is not a truncation.
      Tcp().expires_after(std::chrono::seconds(5));
      stream_.async_shutdown([self = shared_from_this()](beast::error_code) {});
    } else {
      beast::error_code ec;
      Tcp().socket().shutdown(tcp::socket::shutdown_send, ec);
    }
  }

  static constexpr size_t kSmallBody = 4096;
  static constexpr size_t kBodyReadBytes = 64 << 10;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::array<char, 16384> drain_buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  HttpServer::Impl& server_;
  HttpRequest head_;            // the request being read, without its body
  Router::Resolved resolved_;   // its route

  // Streaming requests (all on the strand).
  std::optional<http::request_parser<http::buffer_body>> stream_parser_;
  std::shared_ptr<BodyChannel> channel_;
  std::vector<char> chunk_;
  bool reading_chunk_ = false;
  bool body_done_ = false;
  bool body_failed_ = false;
  bool response_written_ = false;
  bool keep_alive_after_stream_ = false;
};

}  // namespace

void HttpServer::Impl::DoAccept() {
  acceptor_.async_accept(asio::make_strand(ioc_), [this](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec != asio::error::operation_aborted) spdlog::warn("accept: {}", ec.message());
      if (!acceptor_.is_open()) return;
    } else {
      if (tls_) {
        std::make_shared<Session<TlsStream>>(*this, std::move(socket), *tls_)->Run();
      } else {
        std::make_shared<Session<PlainStream>>(*this, std::move(socket))->Run();
      }
    }
    if (acceptor_.is_open()) DoAccept();
  });
}

HttpServer::HttpServer(ServerOptions options, const Router& router)
    : impl_(std::make_unique<Impl>(std::move(options), router)) {}
HttpServer::~HttpServer() = default;
Status HttpServer::Start() { return impl_->Start(); }
uint16_t HttpServer::port() const { return impl_->port(); }
void HttpServer::Run() { impl_->Run(); }
void HttpServer::Stop() { impl_->Stop(); }

}  // namespace sextant::api
