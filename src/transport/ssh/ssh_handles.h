#pragma once
// RAII owners of libssh handles. libssh is not thread-safe per session; every handle here is used
// on the io_context thread only.

#include <libssh/callbacks.h>
#include <libssh/libssh.h>

#include <memory>

namespace dci::transport {

struct SshSessionDeleter {
  void operator()(ssh_session session) const { ssh_free(session); }
};
struct SshChannelDeleter {
  void operator()(ssh_channel channel) const { ssh_channel_free(channel); }
};
struct SshKeyDeleter {
  void operator()(ssh_key key) const { ssh_key_free(key); }
};
struct SshStringDeleter {
  void operator()(char* text) const { ssh_string_free_char(text); }
};

using SessionHandle = std::unique_ptr<std::remove_pointer_t<ssh_session>, SshSessionDeleter>;
using ChannelHandle = std::unique_ptr<std::remove_pointer_t<ssh_channel>, SshChannelDeleter>;
using KeyHandle = std::unique_ptr<std::remove_pointer_t<ssh_key>, SshKeyDeleter>;
using SshText = std::unique_ptr<char, SshStringDeleter>;

}  // namespace dci::transport
