#include "sextant_bench/http_connection.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <optional>

namespace sextant::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

struct HttpConnection::Impl {
  std::string host;
  std::string port;
  std::string api_key;
  asio::io_context ioc;
  std::optional<beast::tcp_stream> stream;

  void Connect() {
    if (stream) return;
    asio::ip::tcp::resolver resolver(ioc);
    auto endpoints = resolver.resolve(host, port);
    stream.emplace(ioc);
    stream->connect(endpoints);
    stream->socket().set_option(asio::ip::tcp::no_delay(true));
  }
};

HttpConnection::HttpConnection(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpConnection::~HttpConnection() = default;

Result<std::unique_ptr<HttpConnection>> HttpConnection::Open(const std::string& url, const std::string& api_key) {
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) != 0) return Status::InvalidArgument("the server URL must start with http:// (" + url + ")");
  std::string rest = url.substr(scheme.size());
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  if (rest.empty() || rest.find('/') != std::string::npos) {
    return Status::InvalidArgument("the server URL must be http://host[:port] (" + url + ")");
  }
  auto impl = std::make_unique<Impl>();
  const size_t colon = rest.rfind(':');
  impl->host = colon == std::string::npos ? rest : rest.substr(0, colon);
  impl->port = colon == std::string::npos ? "6333" : rest.substr(colon + 1);
  impl->api_key = api_key;
  return std::unique_ptr<HttpConnection>(new HttpConnection(std::move(impl)));
}

Result<HttpReply> HttpConnection::Request(const std::string& method, const std::string& target,
                                          const std::string& body, const std::string& content_type) {
  std::string error;
  for (int attempt = 0; attempt < 2; ++attempt) {
    try {
      impl_->Connect();
      // A server that stops answering fails the run instead of hanging it;
      // generous, since a bulk upload or an index build may take minutes.
      impl_->stream->expires_after(std::chrono::minutes(10));
      http::request<http::string_body> req(http::string_to_verb(method), target, 11);
      req.set(http::field::host, impl_->host + ":" + impl_->port);
      if (!body.empty()) req.set(http::field::content_type, content_type);
      req.set(http::field::user_agent, "sextant-bench");
      if (!impl_->api_key.empty()) req.set("api-key", impl_->api_key);
      req.keep_alive(true);
      req.body() = body;
      req.prepare_payload();
      http::write(*impl_->stream, req);
      beast::flat_buffer buffer;
      http::response_parser<http::string_body> parser;
      parser.body_limit(boost::none);
      http::read(*impl_->stream, buffer, parser);
      auto res = parser.release();
      if (!res.keep_alive()) impl_->stream.reset();
      return HttpReply{static_cast<int>(res.result_int()), std::move(res.body())};
    } catch (const std::exception& e) {
      impl_->stream.reset();
      error = e.what();
    }
  }
  return Status::IOError("cannot reach http://" + impl_->host + ":" + impl_->port + ": " + error);
}

}  // namespace sextant::bench
