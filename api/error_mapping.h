// The one place that turns a Status into an HTTP answer: status code and
// Qdrant's error envelope {"status":{"error":"…"},"time":…}.
#pragma once

#include "api/http_types.h"
#include "common/status.h"

namespace sextant::api {

int HttpStatusFor(Status::Code code);
HttpResponse ErrorResponse(const Status& status, double seconds = 0.0);
// For failures that are not a Status (unknown route, wrong method).
HttpResponse ErrorResponse(int http_status, const std::string& message, double seconds = 0.0);

// {"result": <result_json>, "status": "ok", "time": seconds}
HttpResponse OkResponse(const std::string& result_json, double seconds);

}  // namespace sextant::api
