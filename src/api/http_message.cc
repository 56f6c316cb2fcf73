#include "api/http_message.h"

#include <nlohmann/json.hpp>

#include "util/strings.h"

namespace dci::api {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string ApiRequest::param(const std::string& name, const std::string& fallback) const {
  const auto it = query.find(name);
  return it == query.end() ? fallback : it->second;
}

ApiResponse json_response(int status, const nlohmann::json& body) {
  ApiResponse response;
  response.status = status;
  // Replace invalid UTF-8 (host output may hold anything) instead of throwing.
  response.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return response;
}

ApiResponse error_response(int status, std::string_view code, std::string_view message) {
  return error_response(status, code, message, nlohmann::json::object());
}

ApiResponse error_response(int status, std::string_view code, std::string_view message,
                           const nlohmann::json& extra) {
  nlohmann::json body = extra.is_object() ? extra : nlohmann::json::object();
  body["error"] = {{"code", code}, {"message", message}};
  return json_response(status, body);
}

std::optional<std::string> url_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int high = hex_value(text[i + 1]);
      const int low = hex_value(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      out += static_cast<char>(high * 16 + low);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::optional<SplitTarget> split_target(std::string_view target) {
  if (target.empty() || target.front() != '/') return std::nullopt;
  SplitTarget split;
  const size_t question = target.find('?');
  auto path = url_decode(target.substr(0, question), false);
  if (!path) return std::nullopt;
  split.path = std::move(*path);
  if (question == std::string_view::npos) return split;
  for (const std::string& pair : dci::split(target.substr(question + 1), '&')) {
    if (pair.empty()) continue;
    const size_t equals = pair.find('=');
    auto name = url_decode(std::string_view(pair).substr(0, equals), true);
    auto value = equals == std::string::npos
                     ? std::optional<std::string>("")
                     : url_decode(std::string_view(pair).substr(equals + 1), true);
    if (!name || !value) return std::nullopt;
    split.query[*name] = std::move(*value);
  }
  return split;
}

}  // namespace dci::api
