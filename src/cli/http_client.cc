// The command line tools' only Boost.Beast file.
#include "cli/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <optional>

namespace sextant::cli {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

struct HttpClient::Impl {
  std::string host;
  std::string port;
  asio::io_context ioc;
  std::optional<beast::tcp_stream> stream;

  void Open() {
    if (stream) return;
    asio::ip::tcp::resolver resolver(ioc);
    auto endpoints = resolver.resolve(host, port);
    stream.emplace(ioc);
    stream->connect(endpoints);
  }
};

HttpClient::HttpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpClient::~HttpClient() = default;

Result<std::unique_ptr<HttpClient>> HttpClient::Connect(const std::string& url) {
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) != 0) return Status::InvalidArgument("the server URL must start with http:// (" + url + ")");
  std::string rest = url.substr(scheme.size());
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  if (rest.empty() || rest.find('/') != std::string::npos) {
    return Status::InvalidArgument("the server URL must be http://host:port (" + url + ")");
  }
  auto impl = std::make_unique<Impl>();
  const size_t colon = rest.rfind(':');
  impl->host = colon == std::string::npos ? rest : rest.substr(0, colon);
  impl->port = colon == std::string::npos ? "6333" : rest.substr(colon + 1);
  return std::unique_ptr<HttpClient>(new HttpClient(std::move(impl)));
}

Result<HttpReply> HttpClient::Request(const std::string& method, const std::string& target, const std::string& body,
                                      const std::string& content_type) {
  std::string error;
  for (int attempt = 0; attempt < 2; ++attempt) {
    try {
      impl_->Open();
      http::request<http::string_body> req(http::string_to_verb(method), target, 11);
      req.set(http::field::host, impl_->host);
      req.set(http::field::content_type, content_type);
      req.set(http::field::user_agent, "sextant-cli");
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
      impl_->stream.reset();  // a stale keep-alive connection: retry once
      error = e.what();
    }
  }
  return Status::IOError("cannot reach the server at http://" + impl_->host + ":" + impl_->port + ": " + error);
}

}  // namespace sextant::cli
