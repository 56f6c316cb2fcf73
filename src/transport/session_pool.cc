#include "transport/session_pool.h"

namespace dci::transport {
namespace {

// Identity of a connection: who we log in as, where.
std::string key_of(const HostTarget& host) {
  return host.user + "@" + host.id();
}

// The connection is gone, or cannot be trusted (a command that timed out may have timed out
// because the link is dead), after these; anything else leaves it usable.
bool breaks_connection(const TransportError& error) {
  return error.code == ErrorCode::ConnectionLost || error.code == ErrorCode::ConnectTimeout ||
         error.code == ErrorCode::Unreachable || error.code == ErrorCode::CommandTimeout;
}

}  // namespace

// Forwards to the pooled session and remembers whether it broke.
class SessionPool::Lease final : public Session {
 public:
  Lease(SessionPool& pool, std::string key, std::unique_ptr<Session> session)
      : m_pool(pool), m_key(std::move(key)), m_session(std::move(session)) {}

  const HostTarget& host() const override { return m_session->host(); }

  Task<Outcome<ExecResult>> exec(ExecRequest request, OutputSink sink) override {
    auto result = co_await m_session->exec(std::move(request), std::move(sink));
    if (!result && breaks_connection(result.error())) m_broken = true;
    co_return result;
  }

  Task<Outcome<UploadResult>> upload(UploadRequest request) override {
    auto result = co_await m_session->upload(std::move(request));
    if (!result && breaks_connection(result.error())) m_broken = true;
    co_return result;
  }

  Task<void> close() override {
    if (m_session) co_await m_pool.give_back(m_key, std::move(m_session), m_broken);
  }

 private:
  SessionPool& m_pool;
  std::string m_key;
  std::unique_ptr<Session> m_session;
  bool m_broken = false;
};

SessionPool::~SessionPool() = default;

Task<Outcome<std::unique_ptr<Session>>> SessionPool::connect(HostTarget host) {
  std::string key = key_of(host);
  std::unique_ptr<Session> session;
  if (auto pooled = m_idle.find(key); pooled != m_idle.end()) {
    session = std::move(pooled->second);
    m_idle.erase(pooled);
  } else {
    auto connected = co_await m_inner.connect(std::move(host));
    if (!connected) co_return connected.error();
    session = std::move(*connected);
  }
  co_return std::unique_ptr<Session>(
      std::make_unique<Lease>(*this, std::move(key), std::move(session)));
}

Task<void> SessionPool::give_back(std::string key, std::unique_ptr<Session> session, bool broken) {
  if (broken || m_idle.size() >= m_capacity || m_idle.count(key)) {
    co_await session->close();
    co_return;
  }
  m_idle.emplace(std::move(key), std::move(session));
}

Task<void> SessionPool::close_all() {
  auto sessions = std::move(m_idle);
  m_idle.clear();
  for (auto& [key, session] : sessions) co_await session->close();
}

}  // namespace dci::transport
