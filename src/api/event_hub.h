#pragma once
// The live event stream of GET /api/v1/events (Server-Sent Events), with coalescing and resume.
//
// Events are collected and sent as one batch at most every k_batch_interval (~10 per second):
// a host that changed several times within a batch appears once, with its latest state (taken
// from the StatusModel when the batch is built); stage and run events are kept in full, in order.
// Output chunks are sent only to clients that follow their host (?host=H), merged per step and
// stream within a batch. Batches carry increasing ids (starting at the process start time in ms,
// so ids of an earlier process are never mistaken for ours); the last few hundred are kept in a
// ring so a client that reconnects with Last-Event-ID gets what it missed, or `event: reset`
// when they are gone.
//
// Single-threaded: on the io_context thread. Lifetime: clients unsubscribe before they die; the
// hub outlives every client it holds and stop() is called before the io_context stops.

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

#include "orchestrator/events.h"
#include "transport/asio.h"

namespace dci::api {

// One connected /events stream.
class SseClient {
 public:
  virtual ~SseClient() = default;
  // Queues SSE text for the client; must not block. A client that falls too far behind closes its
  // connection (the browser reconnects with Last-Event-ID).
  virtual void send(const std::string& text) = 0;
  // The host whose output chunks this client wants, or "".
  virtual const std::string& followed_host() const = 0;
};

class EventHub final : public EventSink {
 public:
  static constexpr std::chrono::milliseconds k_batch_interval{100};
  static constexpr std::chrono::seconds k_keepalive_interval{15};
  static constexpr size_t k_ring_batches = 600;
  static constexpr size_t k_ring_bytes = 32 * 1024 * 1024;
  // The most SSE text a client may have queued and unsent; beyond it the client is closed. A
  // resume that would replay more than half of this gets `event: reset` instead (a replay that closed the
  // stream would make the browser retry the same Last-Event-ID forever).
  static constexpr size_t k_max_client_backlog = 8 * 1024 * 1024;

  // `host_snapshot(stage, host)` returns the coalesced host event for a batch (the host's state
  // now), or null when the host is unknown.
  using HostSnapshot =
      std::function<nlohmann::json(const std::string& stage, const std::string& host)>;

  EventHub(transport::Executor executor, HostSnapshot host_snapshot);

  void on_event(const Event& event) override;
  // An event kept in full (run_started, run_finished, config_changed).
  void publish(nlohmann::json event);

  // The id of the last batch built (what GET /status reports as event_id).
  int64_t current_id() const { return m_last_id; }

  // Registers `client` and first sends it what it missed after `last_event_id` (nothing when
  // absent), or a reset when that is no longer in the ring or the replay would exceed half
  // of k_max_client_backlog.
  void subscribe(const std::shared_ptr<SseClient>& client, std::optional<int64_t> last_event_id);
  void unsubscribe(const SseClient* client);
  size_t client_count() const { return m_clients.size(); }

  // Builds and sends the pending batch now (tests and benchmarks; normally timer-driven).
  void flush();
  // Cancels the timers; no batch is sent afterwards.
  void stop();

 private:
  struct Batch {
    int64_t id = 0;
    std::string events;                                    // comma-separated JSON objects
    std::unordered_map<std::string, std::string> outputs;  // host -> comma-separated objects
    size_t bytes = 0;
  };
  struct PendingOutput {
    std::string host;
    nlohmann::json event;
  };

  void note_host(const std::string& stage, const std::string& host);
  void note_output(const OutputChunk& chunk);
  void arm_flush_timer();
  void arm_keepalive_timer();
  void send_batch(SseClient& client, const Batch& batch) const;
  // The SSE message of `batch` for `client` ("" when it holds nothing for that client).
  std::string batch_text(const SseClient& client, const Batch& batch) const;
  void send_to_all(const std::string& text);

  transport::Executor m_executor;
  HostSnapshot m_host_snapshot;
  transport::asio::steady_timer m_flush_timer;
  transport::asio::steady_timer m_keepalive_timer;
  bool m_flush_armed = false;
  bool m_stopped = false;
  std::chrono::steady_clock::time_point m_last_flush;

  // The batch being collected: entries are full events or (stage, host) keys filled at flush.
  std::vector<std::variant<nlohmann::json, std::pair<std::string, std::string>>> m_pending;
  std::unordered_set<std::string> m_pending_hosts;  // stage + "\n" + host since the last full event
  std::vector<PendingOutput> m_pending_output;
  std::unordered_map<std::string, size_t> m_output_slots;  // host\nstep\nstream -> index

  std::deque<Batch> m_ring;
  size_t m_ring_bytes = 0;
  int64_t m_last_id = 0;
  std::vector<std::weak_ptr<SseClient>> m_clients;
};

}  // namespace dci::api
