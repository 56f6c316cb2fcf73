#pragma once
// The HTTP request and response as the API handlers see them: plain values, no Beast, so the
// handlers compile fast and are tested without sockets. http_server.cc converts.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace dci::api {

struct ApiRequest {
  std::string method;                        // "GET", "POST", ...
  std::string path;                          // decoded path without the query: "/api/v1/hosts"
  std::map<std::string, std::string> query;  // decoded; a repeated name keeps the last value
  std::string body;
  std::string last_event_id;  // the Last-Event-ID header, "" when absent

  // The query parameter `name`, or `fallback`.
  std::string param(const std::string& name, const std::string& fallback = "") const;
};

struct ApiResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
};

// 200-style JSON answer.
ApiResponse json_response(int status, const nlohmann::json& body);

// The one error shape: {"error": {"code": code, "message": message}}, plus `extra` members
// merged at the top level (e.g. "errors" of a 422).
ApiResponse error_response(int status, std::string_view code, std::string_view message);
ApiResponse error_response(int status, std::string_view code, std::string_view message,
                           const nlohmann::json& extra);

// Splits a request target ("/a%20b?x=1&y=2") into a decoded path and query map. Returns nullopt
// for a target that is not origin-form or has a broken %-escape.
struct SplitTarget {
  std::string path;
  std::map<std::string, std::string> query;
};
std::optional<SplitTarget> split_target(std::string_view target);

// %XX and '+' (as space when `plus_is_space`) decoded; nullopt on a broken escape.
std::optional<std::string> url_decode(std::string_view text, bool plus_is_space);

}  // namespace dci::api
