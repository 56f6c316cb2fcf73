#pragma once
// How `dcinstall exec/copy` show per-host output and outcomes:
//   prefix (default)  every line as "host: line" as it arrives (stderr lines on stderr);
//   group  (--group)  identical outputs grouped under one header at the end, like `clush -b`;
//   json   (--json)   one JSON document at the end.
// Then the summary "N ok, M failed, K unreachable" (stderr; inside the JSON with --json).
// Single-threaded: called from the io_context thread only.

#include <cstdio>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "cli/host_selection.h"
#include "transport/fan_out.h"

namespace dci::cli {

enum class OutputMode { Prefix, Group, Json };

class FanoutPrinter {
 public:
  FanoutPrinter(OutputMode mode, const std::vector<SelectedHost>& hosts, std::FILE* out,
                std::FILE* err);

  // A sink for host `index`'s output; valid while the printer lives.
  transport::OutputSink sink(size_t index);
  void set_result(size_t index, const transport::ExecResult& result);
  void set_note(size_t index, std::string note);  // e.g. "uploaded 100 MB in 2.1 s"
  // The host is done: flushes its partial lines, prints its error (prefix mode).
  void host_done(size_t index, const transport::HostReport& report);
  // Grouped output or JSON, and the summary. Returns the counts.
  struct Counts {
    size_t ok = 0, failed = 0, unreachable = 0;
  };
  Counts finish(const std::vector<transport::HostReport>& reports, double seconds);

 private:
  struct HostOutput {
    std::string partial[2];  // prefix mode: the unfinished line per stream
    std::string text[2];     // group/json: all output per stream
    std::string combined;    // group: both streams in arrival order
    std::optional<transport::ExecResult> result;
    std::string note;
  };
  void write_line(size_t index, int stream, std::string_view line);

  OutputMode m_mode;
  const std::vector<SelectedHost>& m_hosts;
  std::FILE* m_out;
  std::FILE* m_err;
  std::vector<HostOutput> m_output;
};

}  // namespace dci::cli
