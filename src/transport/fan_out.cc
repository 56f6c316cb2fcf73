#include "transport/fan_out.h"

#include <exception>
#include <random>

#include "transport/wait_queue.h"

namespace dci::transport {
namespace {

bool connect_error_is_unreachable(const TransportError& error) {
  return error.transient() || error.code == ErrorCode::ResolveFailed;
}

}  // namespace

FanOut::FanOut(Transport& transport, Clock& clock, FanOutOptions options)
    : m_transport(transport),
      m_clock(clock),
      m_options(options),
      m_limit(options.parallelism == 0 ? 1 : options.parallelism),
      m_random(options.seed ? options.seed : std::random_device{}()) {}

Task<std::vector<HostReport>> FanOut::run(std::vector<HostTarget> hosts, HostWork work,
                                          HostDone done) {
  std::vector<HostReport> reports(hosts.size());
  size_t remaining = hosts.size();
  std::exception_ptr failure;
  WaitQueue finished;
  const Executor executor = co_await asio::this_coro::executor;
  for (size_t i = 0; i < hosts.size(); ++i) {
    asio::co_spawn(
        executor,
        [this, &hosts, &work, &reports, i]() -> Task<void> {
          reports[i] = co_await run_host(hosts[i], i, work);
        },
        [&, i](std::exception_ptr error) {
          if (error && !failure) failure = error;
          if (!error && done) done(i, reports[i]);
          if (--remaining == 0) finished.wake_all();
        });
  }
  while (remaining > 0) co_await finished.wait();
  if (failure) std::rethrow_exception(failure);
  co_return reports;
}

Task<HostReport> FanOut::run_host(const HostTarget& host, size_t index, const HostWork& work) {
  HostReport report;
  const TimePoint start = m_clock.now();
  for (;;) {
    ConcurrencyLimit::Permit permit = co_await m_limit.acquire();
    ++report.attempts;
    auto session = co_await m_transport.connect(host);
    std::optional<TransportError> error;
    bool retry_allowed = true;
    if (!session) {
      error = session.error();
      report.status = connect_error_is_unreachable(*error) ? HostStatus::Unreachable
                                                           : HostStatus::Failed;
    } else {
      auto result = co_await work(**session, index);
      co_await (*session)->close();
      if (result) {
        report.status = *result ? HostStatus::Ok : HostStatus::Failed;
        report.error.reset();
        break;
      }
      error = result.error();
      report.status = HostStatus::Failed;
      retry_allowed = m_options.retry_work;
    }
    report.error = error;
    permit.release();  // never hold a slot while backing off
    if (!retry_allowed || !m_options.retry.should_retry(*error, report.attempts)) break;
    co_await m_clock.sleep_for(m_options.retry.backoff(report.attempts, m_random));
  }
  report.seconds = to_seconds(m_clock.now() - start);
  co_return report;
}

}  // namespace dci::transport
