#pragma once
// A Transport that keeps each host's Session open after the work on it ends, so the stages of one
// run (preflight, deploy, postflight) reuse one SSH connection per host instead of connecting
// again for each. connect() returns a lease: closing the lease keeps the connection in the pool;
// a lease whose connection broke (lost, timed out) closes it, so the next connect() dials again.
//
// At most `capacity` idle connections are kept (file descriptors are finite): a lease returned
// beyond that closes its connection. close_all() ends every pooled connection.
//
// Lifetime: the inner Transport outlives the pool; the pool outlives every lease and must be
// drained with close_all() before it is destroyed. Single-threaded like every Transport.

#include <cstddef>
#include <memory>
#include <string>
#include <unordered_map>

#include "transport/transport.h"

namespace dci::transport {

class SessionPool final : public Transport {
 public:
  SessionPool(Transport& inner, size_t capacity) : m_inner(inner), m_capacity(capacity) {}
  ~SessionPool() override;

  Task<Outcome<std::unique_ptr<Session>>> connect(HostTarget host) override;

  // Closes every idle pooled connection. Precondition: no lease is open.
  Task<void> close_all();

  size_t idle() const { return m_idle.size(); }

 private:
  class Lease;
  // A lease ended: keep `session` for `key`, or close it when it broke or the pool is full.
  Task<void> give_back(std::string key, std::unique_ptr<Session> session, bool broken);

  Transport& m_inner;
  size_t m_capacity;
  std::unordered_map<std::string, std::unique_ptr<Session>> m_idle;  // by HostTarget key
};

}  // namespace dci::transport
