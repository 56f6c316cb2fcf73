#include "state/records.h"

namespace dci {
namespace {

constexpr std::pair<HostState, std::string_view> k_names[] = {
    {HostState::Pending, "pending"},         {HostState::Running, "running"},
    {HostState::Succeeded, "succeeded"},     {HostState::Failed, "failed"},
    {HostState::Skipped, "skipped"},         {HostState::Cancelled, "cancelled"},
    {HostState::Interrupted, "interrupted"},
};

}  // namespace

std::string_view host_state_name(HostState state) {
  for (const auto& [value, name] : k_names) {
    if (value == state) return name;
  }
  return "?";
}

std::optional<HostState> host_state_from_name(std::string_view name) {
  for (const auto& [value, text] : k_names) {
    if (text == name) return value;
  }
  return std::nullopt;
}

}  // namespace dci
