#include "cli/cause_summary.h"

#include "util/strings.h"
#include "util/terminal_text.h"

namespace dci::cli {
namespace {

std::string plural(long long count, std::string_view word) {
  return std::to_string(count) + " " + std::string(word) + (count == 1 ? "" : "s");
}

}  // namespace

std::string cause_summary(std::string_view stage, const std::vector<FailureGroup>& groups,
                          std::string_view status_command, size_t shown) {
  if (groups.empty()) return "";
  long long hosts = 0;
  for (const FailureGroup& group : groups) hosts += group.count;
  const std::string all =
      std::string(status_command) + " --stage " + std::string(stage) + " --cause ";
  std::string out = std::string(stage) + ": " + plural(hosts, "host") + " failed, " +
                    plural(static_cast<long long>(groups.size()), "cause") + ":\n";
  for (size_t i = 0; i < groups.size() && i < shown; ++i) {
    const FailureGroup& group = groups[i];
    out += "  " + std::to_string(i + 1) + ") " + plural(group.count, "host") + ": " +
           terminal_safe(group.cause) + "\n";
    out += "     " + terminal_safe(join(group.examples, ", "));
    if (group.count > static_cast<int>(group.examples.size())) {
      out +=
          " and " + std::to_string(group.count - static_cast<int>(group.examples.size())) + " more";
    }
    out += "; all: " + all + std::to_string(i + 1) + "\n";
  }
  if (groups.size() > shown) {
    out += "  ... and " + plural(static_cast<long long>(groups.size() - shown), "more cause") +
           ": " + std::string(status_command) + " --stage " + std::string(stage) + "\n";
  }
  return out;
}

std::string status_command_for(std::string_view work_dir) {
  if (work_dir == "genconf" || work_dir.empty()) return "dcinstall status";
  const bool plain = work_dir.find_first_not_of(
                         "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./") ==
                     std::string_view::npos;
  std::string quoted(work_dir);
  if (!plain) {
    quoted = "'";
    for (char c : work_dir) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    quoted += "'";
  }
  return "dcinstall status --work-dir " + quoted;
}

}  // namespace dci::cli
