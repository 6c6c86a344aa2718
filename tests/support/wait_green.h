// Waits (up to 10 minutes) until a collection reports status green over HTTP:
// every segment indexed. For end-to-end tests; fails the test otherwise.
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <thread>

#include "support/http_client.h"

namespace sextant::testing {

inline void WaitGreen(HttpClient& http, const std::string& collection) {
  for (int i = 0; i < 3000; ++i) {
    auto r = http.Get("/collections/" + collection);
    REQUIRE(r.status == 200);
    if (r.body.find("\"status\":\"green\"") != std::string::npos) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  FAIL("collection never became green");
}

}  // namespace sextant::testing
