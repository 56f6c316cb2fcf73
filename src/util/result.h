#pragma once
// Result<T>: an expected value or an Error (Result<T, E>: or an E). Expected failures travel as
// values; exceptions are reserved for what must end the program.

#include <string>
#include <utility>
#include <variant>

namespace dci {

// A failure with a human message. `where` names the place (a file:line:col, or "host X, stage Y")
// and is empty when the message already says it.
struct Error {
  explicit Error(std::string message_text, std::string where_text = {})
      : message(std::move(message_text)), where(std::move(where_text)) {}

  std::string message;
  std::string where;

  // "where: message", or just the message.
  std::string to_string() const { return where.empty() ? message : where + ": " + message; }
};

// A value or an E. [[nodiscard]]: a failure cannot be dropped by accident; a caller that means
// to ignore one says so with (void) and a comment why.
template <typename T, typename E = Error>
class [[nodiscard]] Result {
 public:
  Result(T value) : m_state(std::move(value)) {}
  Result(E error) : m_state(std::move(error)) {}

  bool ok() const { return std::holds_alternative<T>(m_state); }
  explicit operator bool() const { return ok(); }

  // Precondition: ok(). On a temporary the value is moved out (safe in a range-for).
  T& value() & { return std::get<T>(m_state); }
  const T& value() const& { return std::get<T>(m_state); }
  T value() && { return std::move(std::get<T>(m_state)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }

  // Precondition: !ok().
  const E& error() const { return std::get<E>(m_state); }

 private:
  std::variant<T, E> m_state;
};

// For operations that return nothing on success.
struct Ok {};
using Status = Result<Ok>;

}  // namespace dci
