#pragma once
// One command on one SSH channel of a session: open, exec, stream `input` to stdin then EOF,
// stream stdout/stderr to the sink as packets arrive, collect the exit status or signal.
// Used by SshConnection for exec() and upload(). Must be awaited on the io_context thread and
// outlived by the session and its SessionIo.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "transport/ssh/session_io.h"
#include "transport/ssh/ssh_handles.h"
#include "transport/transport.h"

namespace dci::transport {

struct ChannelOutcome {
  std::optional<int> exit_status;
  std::string signal;
  bool timed_out = false;      // the deadline passed; the channel was signalled and closed
  std::string stderr_tail;     // the last few KB of stderr, for error messages
  size_t bytes_sent = 0;
};

class ChannelRun {
 public:
  ChannelRun(ssh_session session, SessionIo& io, std::string host_id);
  ChannelRun(const ChannelRun&) = delete;
  ChannelRun& operator=(const ChannelRun&) = delete;
  ~ChannelRun();

  // Errors: ConnectionLost when the session breaks, RemoteFailure when the server refuses the
  // channel or the exec request. `input` must stay valid until the run completes.
  Task<Outcome<ChannelOutcome>> run(const std::string& command, std::string_view input,
                                    const OutputSink& sink, TimePoint deadline);

 private:
  static int on_data(ssh_session, ssh_channel, void* data, uint32_t length, int is_stderr,
                     void* self);
  static void on_eof(ssh_session, ssh_channel, void* self);
  static void on_close(ssh_session, ssh_channel, void* self);
  static void on_exit_status(ssh_session, ssh_channel, int status, void* self);
  static void on_exit_signal(ssh_session, ssh_channel, const char* signal, int core,
                             const char* message, const char* language, void* self);
  static int on_write_ready(ssh_session, ssh_channel, uint32_t bytes, void* self);

  // Bytes of stdin that may be sent now: at most the server's window and, with OpenSSH's sshd,
  // at most k_max_unconsumed beyond what the command has read. sshd keeps channel data the
  // command has not read in a buffer it grows by copying; with its whole 2 MiB window in flight
  // it copies megabytes per 32 KiB packet, and the cap cuts its CPU per uploaded byte ~3x
  // (bench/peers/README.md, P2). Unread = the largest window sshd granted (it grants the window
  // once the command runs) less the window left, as sshd grants window back as the command
  // reads. If no window comes for k_cap_patience while the cap holds input back, it is lifted.
  uint32_t sendable();
  bool finished() const;
  TransportError lost(const std::string& what) const;
  void finish_channel(bool kill);

  ssh_session m_session;
  SessionIo& m_io;
  std::string m_host_id;
  ChannelHandle m_channel;
  ssh_channel_callbacks_struct m_callbacks{};
  const OutputSink* m_sink = nullptr;
  ChannelOutcome m_outcome;
  uint32_t m_peak_window = 0;  // the largest window the server granted this channel
  bool m_cap_on = false;       // the server is OpenSSH and has not failed to grant (sendable())
  std::optional<std::chrono::steady_clock::time_point> m_capped_since;
  uint32_t m_capped_window = 0;
  bool m_eof = false;
  bool m_closed = false;
};

}  // namespace dci::transport
