#pragma once
// The one cap on a step's output, applied while the output arrives: the first k_head_bytes and
// the last k_tail_bytes are kept, what lies between is dropped and counted. Every consumer that
// keeps output (the state store's rows, the GUI's step log, a HostRun's stdout copy) uses it, so
// they all hold the same text for the same step.
// Memory: at most head_bytes + tail_bytes, whatever the amount appended.
// Not thread-safe; a value type.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace dci {

class CappedOutput {
 public:
  static constexpr size_t k_head_bytes = 128 * 1024;
  static constexpr size_t k_tail_bytes = 128 * 1024;

  CappedOutput() : CappedOutput(k_head_bytes, k_tail_bytes) {}
  CappedOutput(size_t head_bytes, size_t tail_bytes)
      : m_head_cap(head_bytes), m_tail_cap(tail_bytes) {}

  void append(std::string_view chunk);

  // The head, then (when bytes were dropped) "\n[… N bytes of output dropped …]\n", then the
  // tail. A cut may split a UTF-8 character; readers replace bad bytes.
  std::string text() const;

  bool truncated() const { return m_dropped > 0; }
  uint64_t dropped_bytes() const { return m_dropped; }
  // Bytes held (head and tail), for the bound above.
  size_t stored_bytes() const { return m_head.size() + m_tail.size(); }

 private:
  size_t m_head_cap;
  size_t m_tail_cap;
  std::string m_head;
  std::string m_tail;       // a ring of at most m_tail_cap bytes once full
  size_t m_tail_start = 0;  // where the oldest tail byte is, once the ring is full
  uint64_t m_dropped = 0;
};

// The marker text() puts where `dropped` bytes were left out.
std::string dropped_output_marker(uint64_t dropped);

}  // namespace dci
