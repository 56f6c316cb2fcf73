#pragma once
// An async counting semaphore: at most `limit` holders of a Permit at once; the others wait in
// FIFO order. This is how ssh_parallelism is enforced. Single-threaded (io_context thread).
// The limit must outlive every Permit and every waiting acquire().

#include <cstddef>

#include "transport/wait_queue.h"

namespace dci::transport {

class ConcurrencyLimit {
 public:
  class Permit {
   public:
    Permit() = default;
    Permit(Permit&& other) noexcept : m_owner(std::exchange(other.m_owner, nullptr)) {}
    Permit& operator=(Permit&& other) noexcept;
    Permit(const Permit&) = delete;
    Permit& operator=(const Permit&) = delete;
    ~Permit() { release(); }

    // Gives the slot back (to the next waiter, if any); idempotent.
    void release();
    bool held() const { return m_owner != nullptr; }

   private:
    friend class ConcurrencyLimit;
    explicit Permit(ConcurrencyLimit* owner) : m_owner(owner) {}
    ConcurrencyLimit* m_owner = nullptr;
  };

  // Precondition: limit >= 1.
  explicit ConcurrencyLimit(size_t limit) : m_limit(limit) {}

  Task<Permit> acquire();

  size_t limit() const { return m_limit; }
  size_t in_use() const { return m_in_use; }
  size_t peak() const { return m_peak; }  // most permits ever held at once
  size_t waiting() const { return m_queue.size(); }

 private:
  void release_one();

  size_t m_limit;
  size_t m_in_use = 0;
  size_t m_peak = 0;
  WaitQueue m_queue;
};

}  // namespace dci::transport
