// A small blocking HTTP/1.1 client for end-to-end tests (Boost.Beast), with a
// keep-alive connection per client. Loopback only.
#pragma once

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <map>
#include <optional>
#include <string>

namespace sextant::testing {

struct HttpResult {
  int status = 0;
  std::string body;
};

class HttpClient {
 public:
  explicit HttpClient(uint16_t port) : port_(port) {}
  // Sent with every request from now on ("" removes it).
  void SetHeader(const std::string& name, const std::string& value) {
    if (value.empty()) {
      headers_.erase(name);
    } else {
      headers_[name] = value;
    }
  }

  HttpResult Request(const std::string& method, const std::string& target, const std::string& body = "",
                     const std::string& content_type = "application/json") {
    namespace http = boost::beast::http;
    for (int attempt = 0; attempt < 2; ++attempt) {
      try {
        Connect();
        http::request<http::string_body> req(http::string_to_verb(method), target, 11);
        req.set(http::field::host, "127.0.0.1");
        req.set(http::field::content_type, content_type);
        for (const auto& [name, value] : headers_) req.set(name, value);
        req.keep_alive(true);
        req.body() = body;
        req.prepare_payload();
        http::write(*stream_, req);
        boost::beast::flat_buffer buffer;
        http::response_parser<http::string_body> parser;
        parser.body_limit(1ull << 32);
        http::read(*stream_, buffer, parser);
        auto res = parser.release();
        if (!res.keep_alive()) stream_.reset();
        return HttpResult{static_cast<int>(res.result_int()), res.body()};
      } catch (const std::exception&) {
        stream_.reset();  // stale keep-alive connection: retry once on a new one
        if (attempt == 1) throw;
      }
    }
    return {};
  }
  HttpResult Get(const std::string& target) { return Request("GET", target); }
  HttpResult Post(const std::string& target, const std::string& body) { return Request("POST", target, body); }
  HttpResult Put(const std::string& target, const std::string& body) { return Request("PUT", target, body); }
  HttpResult Patch(const std::string& target, const std::string& body) { return Request("PATCH", target, body); }
  HttpResult Delete(const std::string& target) { return Request("DELETE", target); }

 private:
  void Connect() {
    if (stream_) return;
    stream_.emplace(ioc_);
    boost::asio::ip::tcp::endpoint ep(boost::asio::ip::make_address("127.0.0.1"), port_);
    stream_->connect(ep);
  }
  uint16_t port_;
  std::map<std::string, std::string> headers_;
  boost::asio::io_context ioc_;
  std::optional<boost::beast::tcp_stream> stream_;
};

}  // namespace sextant::testing
