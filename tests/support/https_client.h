// HttpClient's twin over TLS, for the HTTPS tests: verifies the server's
// certificate against `ca_file` (the test certificate is its own CA) and the
// name 127.0.0.1. Keep-alive, one connection per client. Loopback only.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <optional>
#include <string>

#include "support/http_client.h"

namespace sextant::testing {

class HttpsClient {
 public:
  HttpsClient(uint16_t port, const std::string& ca_file) : port_(port), tls_(boost::asio::ssl::context::tls_client) {
    tls_.load_verify_file(ca_file);
    tls_.set_verify_mode(boost::asio::ssl::verify_peer);
  }

  HttpResult Request(const std::string& method, const std::string& target, const std::string& body = "",
                     const std::string& content_type = "application/json") {
    namespace http = boost::beast::http;
    Connect();
    http::request<http::string_body> req(http::string_to_verb(method), target, 11);
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::content_type, content_type);
    req.keep_alive(true);
    req.body() = body;
    req.prepare_payload();
    http::write(*stream_, req);
    boost::beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(*stream_, buffer, res);
    if (!res.keep_alive()) stream_.reset();
    return HttpResult{static_cast<int>(res.result_int()), res.body()};
  }
  HttpResult Get(const std::string& target) { return Request("GET", target); }
  HttpResult Put(const std::string& target, const std::string& body) { return Request("PUT", target, body); }
  HttpResult Post(const std::string& target, const std::string& body) { return Request("POST", target, body); }
  // Connections made so far: keep-alive must hold over TLS too.
  int connections() const { return connections_; }

 private:
  void Connect() {
    if (stream_) return;
    stream_.emplace(ioc_, tls_);
    stream_->set_verify_callback(boost::asio::ssl::host_name_verification("127.0.0.1"));
    boost::asio::ip::tcp::endpoint ep(boost::asio::ip::make_address("127.0.0.1"), port_);
    boost::beast::get_lowest_layer(*stream_).connect(ep);
    stream_->handshake(boost::asio::ssl::stream_base::client);
    ++connections_;
  }

  uint16_t port_;
  boost::asio::io_context ioc_;
  boost::asio::ssl::context tls_;
  std::optional<boost::beast::ssl_stream<boost::beast::tcp_stream>> stream_;
  int connections_ = 0;
};

}  // namespace sextant::testing
