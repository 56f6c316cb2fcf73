#include "state/capped_output.h"

#include <algorithm>

namespace dci {

std::string dropped_output_marker(uint64_t dropped) {
  return "\n[… " + std::to_string(dropped) + " bytes of output dropped …]\n";
}

void CappedOutput::append(std::string_view chunk) {
  const size_t to_head = std::min(chunk.size(), m_head_cap - m_head.size());
  m_head.append(chunk.substr(0, to_head));
  chunk.remove_prefix(to_head);
  if (chunk.empty()) return;
  if (m_tail_cap == 0) {
    m_dropped += chunk.size();
    return;
  }
  if (chunk.size() >= m_tail_cap) {
    // The chunk alone fills the tail: what the tail held and the chunk's front are dropped.
    m_dropped += m_tail.size() + (chunk.size() - m_tail_cap);
    m_tail.assign(chunk.substr(chunk.size() - m_tail_cap));
    m_tail_start = 0;
    return;
  }
  const size_t to_fill = std::min(chunk.size(), m_tail_cap - m_tail.size());
  m_tail.append(chunk.substr(0, to_fill));
  chunk.remove_prefix(to_fill);
  // The ring is full: each further byte overwrites (drops) the oldest one.
  m_dropped += chunk.size();
  while (!chunk.empty()) {
    const size_t run = std::min(chunk.size(), m_tail_cap - m_tail_start);
    m_tail.replace(m_tail_start, run, chunk.substr(0, run));
    m_tail_start = (m_tail_start + run) % m_tail_cap;
    chunk.remove_prefix(run);
  }
}

std::string CappedOutput::text() const {
  std::string out = m_head;
  if (m_dropped > 0) out += dropped_output_marker(m_dropped);
  out.append(m_tail, m_tail_start, std::string::npos);
  out.append(m_tail, 0, m_tail_start);
  return out;
}

}  // namespace dci
