#include "api/event_hub.h"

#include <gtest/gtest.h>

namespace dci::api {
namespace {

class RecordingClient final : public SseClient {
 public:
  explicit RecordingClient(std::string host = "") : m_host(std::move(host)) {}
  void send(const std::string& text) override { sent += text; }
  const std::string& followed_host() const override { return m_host; }
  std::string sent;

 private:
  std::string m_host;
};

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

class EventHubTest : public ::testing::Test {
 protected:
  EventHubTest()
      : hub(io.get_executor(), [this](const std::string& stage, const std::string& host) {
          ++snapshots;
          return nlohmann::json{{"type", "host"}, {"stage", stage}, {"host", host}};
        }) {}
  ~EventHubTest() override { hub.stop(); }

  transport::asio::io_context io;
  int snapshots = 0;
  EventHub hub;
};

TEST_F(EventHubTest, CoalescesAHostsChangesWithinABatch) {
  auto client = std::make_shared<RecordingClient>();
  hub.subscribe(client, std::nullopt);
  hub.on_event(StageStarted{"preflight", 1, {}, ""});
  for (int i = 0; i < 100; ++i) {
    hub.on_event(HostStepStarted{"preflight", "h1", Role::Agent, "s" + std::to_string(i), ""});
    hub.on_event(OutputChunk{"preflight", "h1", "s", false, "line\n"});
  }
  hub.flush();
  EXPECT_EQ(count(client->sent, "event: batch"), 1u);
  EXPECT_EQ(count(client->sent, "\"host\":\"h1\""), 1u);
  EXPECT_EQ(count(client->sent, "stage_started"), 1u);
  EXPECT_EQ(count(client->sent, "\"type\":\"output\""), 0u);  // not followed
  EXPECT_EQ(snapshots, 1);
}

TEST_F(EventHubTest, AHostChangedAfterAStageEventAppearsAfterIt) {
  auto client = std::make_shared<RecordingClient>();
  hub.subscribe(client, std::nullopt);
  hub.on_event(HostFinished{"deploy", "h1", Role::Agent, HostState::Succeeded, "", ""});
  hub.on_event(StageStarted{"deploy", 1, {}, "agents"});
  hub.on_event(HostStepStarted{"deploy", "h1", Role::Agent, "s", ""});
  hub.flush();
  const size_t stage = client->sent.find("stage_started");
  EXPECT_LT(client->sent.find("\"host\":\"h1\""), stage);
  EXPECT_NE(client->sent.find("\"host\":\"h1\"", stage), std::string::npos);
}

TEST_F(EventHubTest, SendsOutputOnlyToClientsFollowingTheHost) {
  auto follower = std::make_shared<RecordingClient>("h1");
  auto other = std::make_shared<RecordingClient>("h2");
  hub.subscribe(follower, std::nullopt);
  hub.subscribe(other, std::nullopt);
  hub.on_event(OutputChunk{"preflight", "h1", "s", false, "one "});
  hub.on_event(OutputChunk{"preflight", "h1", "s", false, "two"});
  hub.flush();
  EXPECT_NE(follower->sent.find("\"data\":\"one two\""), std::string::npos);
  EXPECT_EQ(other->sent.find("\"type\":\"output\""), std::string::npos);
}

TEST_F(EventHubTest, ReplaysMissedBatchesAfterLastEventId) {
  hub.publish({{"type", "run_started"}, {"run_id", 1}});
  hub.flush();
  const int64_t first = hub.current_id();
  hub.publish({{"type", "run_finished"}, {"run_id", 1}});
  hub.flush();
  auto client = std::make_shared<RecordingClient>();
  hub.subscribe(client, first);
  EXPECT_EQ(client->sent.find("run_started"), std::string::npos);
  EXPECT_NE(client->sent.find("id: " + std::to_string(first + 1) + "\n"), std::string::npos);
  EXPECT_NE(client->sent.find("run_finished"), std::string::npos);
}

TEST_F(EventHubTest, SendsResetWhenTheIdIsUnknown) {
  hub.publish({{"type", "run_started"}});
  hub.flush();
  auto old_client = std::make_shared<RecordingClient>();
  hub.subscribe(old_client, 3);
  EXPECT_NE(old_client->sent.find("event: reset"), std::string::npos);
  auto future_client = std::make_shared<RecordingClient>();
  hub.subscribe(future_client, hub.current_id() + 100);
  EXPECT_NE(future_client->sent.find("event: reset"), std::string::npos);
  auto current = std::make_shared<RecordingClient>();
  hub.subscribe(current, hub.current_id());
  EXPECT_EQ(current->sent, ": connected\n\n");
}

// L6: a replay larger than a client may queue would close the stream before a byte is written,
// and the browser would retry the same Last-Event-ID forever.
TEST_F(EventHubTest, SendsResetWhenTheReplayWouldExceedTheClientBacklog) {
  const int64_t before = hub.current_id();
  const std::string big(512 * 1024, 'x');
  const size_t batches = EventHub::k_max_client_backlog / big.size();  // twice the replay limit
  for (size_t i = 0; i < batches; ++i) {
    hub.on_event(OutputChunk{"deploy", "h1", "s", false, big});
    hub.flush();
  }
  hub.publish({{"type", "run_finished"}, {"run_id", 1}});
  hub.flush();

  auto follower = std::make_shared<RecordingClient>("h1");
  hub.subscribe(follower, before);
  EXPECT_NE(follower->sent.find("event: reset"), std::string::npos);
  EXPECT_EQ(follower->sent.find("event: batch"), std::string::npos);
  EXPECT_LT(follower->sent.size(), 1024u);

  // The same resume without the host's output is small: it is replayed in full.
  auto other = std::make_shared<RecordingClient>("h2");
  hub.subscribe(other, before);
  EXPECT_EQ(other->sent.find("event: reset"), std::string::npos);
  EXPECT_EQ(count(other->sent, "event: batch"), batches + 1);
  EXPECT_NE(other->sent.find("run_finished"), std::string::npos);
}

TEST_F(EventHubTest, ReplaysAFollowersOutputWithinTheBacklog) {
  const int64_t before = hub.current_id();
  const std::string chunk(512 * 1024, 'y');
  for (int i = 0; i < 3; ++i) {
    hub.on_event(OutputChunk{"deploy", "h1", "s", false, chunk});
    hub.flush();
  }
  auto follower = std::make_shared<RecordingClient>("h1");
  hub.subscribe(follower, before);
  EXPECT_EQ(follower->sent.find("event: reset"), std::string::npos);
  EXPECT_EQ(count(follower->sent, "event: batch"), 3u);
  EXPECT_GT(follower->sent.size(), 3 * chunk.size());
}

TEST_F(EventHubTest, BatchesAreTimerDrivenAtMostTenPerSecond) {
  auto client = std::make_shared<RecordingClient>();
  hub.subscribe(client, std::nullopt);
  const auto start = std::chrono::steady_clock::now();
  transport::asio::steady_timer producer(io);
  int produced = 0;
  std::function<void(const boost::system::error_code&)> produce =
      [&](const boost::system::error_code&) {
        hub.on_event(
            HostStepStarted{"preflight", "h" + std::to_string(produced % 7), Role::Agent, "s", ""});
        if (++produced < 100) {
          producer.expires_after(std::chrono::milliseconds(5));
          producer.async_wait(produce);
        }
      };
  producer.expires_after(std::chrono::milliseconds(0));
  producer.async_wait(produce);
  io.run_for(std::chrono::milliseconds(900));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const size_t batches = count(client->sent, "event: batch");
  EXPECT_GE(batches, 2u);
  EXPECT_LE(static_cast<double>(batches), seconds * 10 + 1);
}

}  // namespace
}  // namespace dci::api
