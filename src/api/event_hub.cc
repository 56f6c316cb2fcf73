#include "api/event_hub.h"

#include <algorithm>

#include "orchestrator/event_json.h"

namespace dci::api {
namespace {

std::string dump(const nlohmann::json& json) {
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string reset_message(int64_t id) {
  return "id: " + std::to_string(id) + "\nevent: reset\ndata: {}\n\n";
}

}  // namespace

EventHub::EventHub(transport::Executor executor, HostSnapshot host_snapshot)
    : m_executor(executor),
      m_host_snapshot(std::move(host_snapshot)),
      m_flush_timer(executor),
      m_keepalive_timer(executor) {
  m_last_id = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
  arm_keepalive_timer();
}

void EventHub::on_event(const Event& event) {
  if (const auto* step = std::get_if<HostStepStarted>(&event)) {
    note_host(step->stage, step->host);
  } else if (const auto* chunk = std::get_if<OutputChunk>(&event)) {
    note_host(chunk->stage, chunk->host);
    note_output(*chunk);
  } else if (const auto* step_done = std::get_if<HostStepFinished>(&event)) {
    note_host(step_done->stage, step_done->host);
  } else if (const auto* host = std::get_if<HostFinished>(&event)) {
    note_host(host->stage, host->host);
  } else {
    publish(to_json(event));  // StageStarted, StageFinished
  }
}

void EventHub::publish(nlohmann::json event) {
  m_pending.emplace_back(std::move(event));
  // A host changed after this event must appear after it too.
  m_pending_hosts.clear();
  arm_flush_timer();
}

void EventHub::note_host(const std::string& stage, const std::string& host) {
  if (m_pending_hosts.insert(stage + "\n" + host).second) {
    m_pending.emplace_back(std::make_pair(stage, host));
  }
  arm_flush_timer();
}

void EventHub::note_output(const OutputChunk& chunk) {
  const std::string key =
      chunk.host + "\n" + chunk.stage + "\n" + chunk.step + (chunk.is_stderr ? "\n2" : "\n1");
  const auto it = m_output_slots.find(key);
  if (it != m_output_slots.end()) {
    nlohmann::json& data = m_pending_output[it->second].event["data"];
    data = data.get<std::string>() + chunk.data;
    return;
  }
  m_output_slots[key] = m_pending_output.size();
  m_pending_output.push_back({chunk.host, to_json(Event(chunk))});
}

void EventHub::arm_flush_timer() {
  if (m_flush_armed || m_stopped) return;
  m_flush_armed = true;
  const auto due = std::max(m_last_flush + k_batch_interval, std::chrono::steady_clock::now());
  m_flush_timer.expires_at(due);
  m_flush_timer.async_wait([this](const boost::system::error_code& error) {
    // Cancelled by stop(), or queued just before it (cancel does not reach a queued wake).
    if (error || m_stopped) return;
    m_flush_armed = false;
    flush();
  });
}

void EventHub::arm_keepalive_timer() {
  m_keepalive_timer.expires_after(k_keepalive_interval);
  m_keepalive_timer.async_wait([this](const boost::system::error_code& error) {
    if (error || m_stopped) return;
    send_to_all(": keepalive\n\n");
    arm_keepalive_timer();
  });
}

void EventHub::flush() {
  m_last_flush = std::chrono::steady_clock::now();
  if (m_pending.empty() && m_pending_output.empty()) return;
  Batch batch;
  batch.id = ++m_last_id;
  for (auto& entry : m_pending) {
    std::string text;
    if (auto* full = std::get_if<nlohmann::json>(&entry)) {
      text = dump(*full);
    } else {
      const auto& [stage, host] = std::get<std::pair<std::string, std::string>>(entry);
      const nlohmann::json snapshot = m_host_snapshot(stage, host);
      if (snapshot.is_null()) continue;
      text = dump(snapshot);
    }
    if (!batch.events.empty()) batch.events += ',';
    batch.events += text;
  }
  for (const PendingOutput& output : m_pending_output) {
    std::string& list = batch.outputs[output.host];
    if (!list.empty()) list += ',';
    list += dump(output.event);
  }
  m_pending.clear();
  m_pending_hosts.clear();
  m_pending_output.clear();
  m_output_slots.clear();

  batch.bytes = batch.events.size();
  for (const auto& [host, list] : batch.outputs) batch.bytes += host.size() + list.size();
  // Send to every live client; forget the ones that are gone.
  std::vector<std::shared_ptr<SseClient>> live;
  for (const auto& weak : m_clients) {
    if (auto client = weak.lock()) live.push_back(std::move(client));
  }
  m_clients.assign(live.begin(), live.end());
  for (const auto& client : live) send_batch(*client, batch);

  m_ring_bytes += batch.bytes;
  m_ring.push_back(std::move(batch));
  while (m_ring.size() > k_ring_batches || (m_ring_bytes > k_ring_bytes && m_ring.size() > 1)) {
    m_ring_bytes -= m_ring.front().bytes;
    m_ring.pop_front();
  }
}

void EventHub::send_batch(SseClient& client, const Batch& batch) const {
  std::string text = batch_text(client, batch);
  if (!text.empty()) client.send(text);
}

std::string EventHub::batch_text(const SseClient& client, const Batch& batch) const {
  const std::string& host = client.followed_host();
  const std::string* outputs = nullptr;
  if (!host.empty()) {
    const auto it = batch.outputs.find(host);
    if (it != batch.outputs.end()) outputs = &it->second;
  }
  if (batch.events.empty() && !outputs) return "";
  std::string text = "id: " + std::to_string(batch.id) + "\nevent: batch\ndata: {\"events\":[";
  text += batch.events;
  if (outputs) {
    if (!batch.events.empty()) text += ',';
    text += *outputs;
  }
  text += "]}\n\n";
  return text;
}

void EventHub::send_to_all(const std::string& text) {
  for (const auto& weak : m_clients) {
    if (auto client = weak.lock()) client->send(text);
  }
}

void EventHub::subscribe(const std::shared_ptr<SseClient>& client,
                         std::optional<int64_t> last_event_id) {
  // Open the stream with a comment so the client knows it is connected.
  client->send(": connected\n\n");
  if (last_event_id && *last_event_id != m_last_id) {
    const bool in_ring =
        *last_event_id < m_last_id && !m_ring.empty() && *last_event_id >= m_ring.front().id - 1;
    std::vector<std::string> replay;
    size_t replay_bytes = 0;
    bool fits = in_ring;
    for (auto it = m_ring.begin(); fits && it != m_ring.end(); ++it) {
      if (it->id <= *last_event_id) continue;
      std::string text = batch_text(*client, *it);
      replay_bytes += text.size();
      // Half the backlog: the live batches that follow the replay must fit too.
      fits = replay_bytes <= k_max_client_backlog / 2;
      if (!text.empty()) replay.push_back(std::move(text));
    }
    if (!fits) {
      client->send(reset_message(m_last_id));
    } else {
      for (const std::string& text : replay) client->send(text);
    }
  }
  m_clients.push_back(client);
}

void EventHub::unsubscribe(const SseClient* client) {
  std::erase_if(m_clients, [client](const std::weak_ptr<SseClient>& weak) {
    const auto locked = weak.lock();
    return !locked || locked.get() == client;
  });
}

void EventHub::stop() {
  m_stopped = true;
  m_flush_timer.cancel();
  m_keepalive_timer.cancel();
}

}  // namespace dci::api
