#include "api/error_mapping.h"

#include "api/json/json_writer.h"

namespace sextant::api {

int HttpStatusFor(Status::Code code) {
  switch (code) {
    case Status::Code::kOk: return 200;
    case Status::Code::kInvalidArgument: return 400;
    case Status::Code::kNotFound: return 404;
    case Status::Code::kAlreadyExists: return 409;
    case Status::Code::kPayloadTooLarge: return 413;
    case Status::Code::kBusy: return 503;
    case Status::Code::kCorruption:
    case Status::Code::kIOError:
    case Status::Code::kInternal: return 500;
  }
  return 500;
}

HttpResponse ErrorResponse(int http_status, const std::string& message, double seconds) {
  JsonWriter w;
  w.BeginObject().Key("status").BeginObject().Key("error").String(message).EndObject();
  w.Key("time").Double(seconds).EndObject();
  return HttpResponse{http_status, "application/json", w.Take(), ""};
}

HttpResponse ErrorResponse(const Status& status, double seconds) {
  std::string message = status.message();
  // Server-side failures say so, in Qdrant's words.
  if (HttpStatusFor(status.code()) >= 500) message = "Service internal error: " + message;
  return ErrorResponse(HttpStatusFor(status.code()), message, seconds);
}

HttpResponse OkResponse(const std::string& result_json, double seconds) {
  JsonWriter w;
  w.BeginObject().Key("result").Raw(result_json).Key("status").String("ok");
  w.Key("time").Double(seconds).EndObject();
  return HttpResponse{200, "application/json", w.Take(), ""};
}

}  // namespace sextant::api
