#include "transport/ssh/channel_run.h"

#include <algorithm>

namespace dci::transport {
namespace {

constexpr size_t k_write_chunk = 64 * 1024;
// See sendable(). sshd grants window back per 3 packets (96 KiB) read: stay well above that.
constexpr uint32_t k_max_unconsumed = 256 * 1024;
constexpr auto k_cap_patience = std::chrono::seconds(10);
constexpr size_t k_stderr_tail = 4096;

bool write_pending(ssh_session session) {
  return (ssh_get_poll_flags(session) & SSH_WRITE_PENDING) != 0;
}

}  // namespace

ChannelRun::ChannelRun(ssh_session session, SessionIo& io, std::string host_id)
    : m_session(session), m_io(io), m_host_id(std::move(host_id)) {
  m_callbacks.userdata = this;
  m_callbacks.channel_data_function = &ChannelRun::on_data;
  m_callbacks.channel_eof_function = &ChannelRun::on_eof;
  m_callbacks.channel_close_function = &ChannelRun::on_close;
  m_callbacks.channel_exit_status_function = &ChannelRun::on_exit_status;
  m_callbacks.channel_exit_signal_function = &ChannelRun::on_exit_signal;
  m_callbacks.channel_write_wontblock_function = &ChannelRun::on_write_ready;
  ssh_callbacks_init(&m_callbacks);
}

ChannelRun::~ChannelRun() { finish_channel(false); }

int ChannelRun::on_data(ssh_session, ssh_channel, void* data, uint32_t length, int is_stderr,
                        void* self) {
  auto* run = static_cast<ChannelRun*>(self);
  const std::string_view chunk(static_cast<const char*>(data), length);
  if (is_stderr) {
    std::string& tail = run->m_outcome.stderr_tail;
    tail.append(chunk);
    if (tail.size() > k_stderr_tail) tail.erase(0, tail.size() - k_stderr_tail);
  }
  if (run->m_sink && *run->m_sink) {
    (*run->m_sink)(is_stderr ? OutputStream::Stderr : OutputStream::Stdout, chunk);
  }
  return static_cast<int>(length);
}

void ChannelRun::on_eof(ssh_session, ssh_channel, void* self) {
  auto* run = static_cast<ChannelRun*>(self);
  run->m_eof = true;
  run->m_io.wake_all();
}

void ChannelRun::on_close(ssh_session, ssh_channel, void* self) {
  auto* run = static_cast<ChannelRun*>(self);
  run->m_closed = true;
  run->m_io.wake_all();
}

void ChannelRun::on_exit_status(ssh_session, ssh_channel, int status, void* self) {
  auto* run = static_cast<ChannelRun*>(self);
  run->m_outcome.exit_status = status;
  run->m_io.wake_all();
}

void ChannelRun::on_exit_signal(ssh_session, ssh_channel, const char* signal, int, const char*,
                                const char*, void* self) {
  auto* run = static_cast<ChannelRun*>(self);
  run->m_outcome.signal = signal ? signal : "?";
  run->m_io.wake_all();
}

int ChannelRun::on_write_ready(ssh_session, ssh_channel, uint32_t, void* self) {
  static_cast<ChannelRun*>(self)->m_io.wake_all();
  return 0;
}

uint32_t ChannelRun::sendable() {
  const uint32_t window = ssh_channel_window_size(m_channel.get());
  if (!m_cap_on) return window;
  m_peak_window = std::max(m_peak_window, window);
  const uint32_t unconsumed = m_peak_window - window;
  if (unconsumed < k_max_unconsumed) {
    m_capped_since.reset();
    return std::min(window, k_max_unconsumed - unconsumed);
  }
  // Should a server grant window only late, the cap would never open: lift it. (A busy sshd
  // can go unscheduled for a second, so the patience is long.)
  const auto now = std::chrono::steady_clock::now();
  if (!m_capped_since || window != m_capped_window) {
    m_capped_since = now;
    m_capped_window = window;
  } else if (now - *m_capped_since >= k_cap_patience) {
    m_cap_on = false;
    return window;
  }
  return 0;
}

bool ChannelRun::finished() const {
  const bool exited = m_outcome.exit_status || !m_outcome.signal.empty();
  return m_closed || (m_eof && exited);
}

TransportError ChannelRun::lost(const std::string& what) const {
  const char* detail = ssh_get_error(m_session);
  return TransportError{ErrorCode::ConnectionLost,
                        what + ": " + (detail && *detail ? detail : "connection lost"),
                        m_host_id};
}

void ChannelRun::finish_channel(bool kill) {
  if (!m_channel) return;
  ssh_channel channel = m_channel.get();
  if (kill && ssh_channel_is_open(channel)) {
    // Best effort: the on-host `timeout` wrapper is what really stops the command.
    ssh_channel_request_send_signal(channel, "TERM");
  }
  if (ssh_channel_is_open(channel)) ssh_channel_close(channel);
  ssh_remove_channel_callbacks(channel, &m_callbacks);
  m_channel.reset();
}

Task<Outcome<ChannelOutcome>> ChannelRun::run(const std::string& command, std::string_view input,
                                              const OutputSink& sink, TimePoint deadline) {
  m_sink = &sink;
  m_cap_on = ssh_get_openssh_version(m_session) > 0;
  m_channel.reset(ssh_channel_new(m_session));
  if (!m_channel) co_return lost("cannot create a channel");
  ssh_channel channel = m_channel.get();
  ssh_set_channel_callbacks(channel, &m_callbacks);

  for (;;) {
    const int rc = m_io.call([&] { return ssh_channel_open_session(channel); });
    if (rc == SSH_OK) break;
    if (rc == SSH_ERROR) {
      if (ssh_is_connected(m_session)) {
        co_return TransportError{ErrorCode::RemoteFailure,
                                 std::string("the server refused a session channel: ") +
                                     ssh_get_error(m_session),
                                 m_host_id};
      }
      co_return lost("opening a channel");
    }
    if (!co_await m_io.wait(write_pending(m_session), deadline)) {
      m_outcome.timed_out = true;
      finish_channel(false);
      co_return m_outcome;
    }
  }

  // SSH_AGAIN means the request is sent; its reply is collected below while output streams.
  int exec_rc = m_io.call([&] { return ssh_channel_request_exec(channel, command.c_str()); });
  bool exec_confirmed = exec_rc == SSH_OK;
  size_t offset = 0;
  bool eof_sent = false;
  char scratch[4096];
  for (;;) {
    if (exec_rc == SSH_ERROR) {
      if (!ssh_is_connected(m_session)) co_return lost("starting the command");
      co_return TransportError{ErrorCode::RemoteFailure,
                               std::string("the server refused to run the command: ") +
                                   ssh_get_error(m_session),
                               m_host_id};
    }
    bool progress = false;
    if (!exec_confirmed) {
      exec_rc = m_io.call([&] { return ssh_channel_request_exec(channel, command.c_str()); });
      exec_confirmed = exec_rc == SSH_OK;
      if (exec_rc == SSH_ERROR) continue;
    }
    // stdin: only while libssh's output is flushed, so at most one chunk waits in memory.
    while (offset < input.size() && !m_closed && !write_pending(m_session)) {
      const uint32_t allowed = sendable();
      if (allowed == 0) break;
      const size_t length = std::min<size_t>({k_write_chunk, input.size() - offset, allowed});
      const int written = m_io.call([&] {
        return ssh_channel_write(channel, input.data() + offset, static_cast<uint32_t>(length));
      });
      if (written < 0) co_return lost("sending input");
      if (written == 0) break;
      offset += static_cast<size_t>(written);
      m_outcome.bytes_sent = offset;
      progress = true;
    }
    if (offset == input.size() && !eof_sent && !m_closed) {
      if (m_io.call([&] { return ssh_channel_send_eof(channel); }) == SSH_ERROR) {
        co_return lost("sending EOF");
      }
      eof_sent = true;
      progress = true;
    }
    if (finished()) break;
    // Let libssh process input: data, EOF, exit status and close reach us through callbacks.
    if (!m_eof) {
      const int n = m_io.call(
          [&] { return ssh_channel_read_nonblocking(channel, scratch, sizeof scratch, 0); });
      if (n == SSH_ERROR) co_return lost("reading output");
      if (n > 0 && sink) sink(OutputStream::Stdout, std::string_view(scratch, n));
      if (n == SSH_EOF) m_eof = true;
      progress = progress || n != 0;
    } else {
      m_io.call([&] { return ssh_channel_get_exit_status(channel); });
      if (!ssh_is_connected(m_session)) co_return lost("waiting for the exit status");
    }
    if (finished()) break;
    // The server's window adjust may have been processed by the read above: no socket event
    // would announce it, so look before sleeping.
    const bool can_send = offset < input.size() && !m_closed && sendable() > 0;
    if (progress || (can_send && !write_pending(m_session))) continue;
    if (!co_await m_io.wait(write_pending(m_session), deadline)) {
      m_outcome.timed_out = true;
      finish_channel(exec_confirmed);
      co_return m_outcome;
    }
  }
  finish_channel(false);
  co_return m_outcome;
}

}  // namespace dci::transport
