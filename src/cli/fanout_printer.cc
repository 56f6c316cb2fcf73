#include "cli/fanout_printer.h"

#include <nlohmann/json.hpp>

#include "util/strings.h"

namespace dci::cli {

using transport::HostReport;
using transport::HostStatus;
using transport::OutputStream;

FanoutPrinter::FanoutPrinter(OutputMode mode, const std::vector<SelectedHost>& hosts,
                             std::FILE* out, std::FILE* err)
    : m_mode(mode), m_hosts(hosts), m_out(out), m_err(err), m_output(hosts.size()) {}

void FanoutPrinter::write_line(size_t index, int stream, std::string_view line) {
  std::FILE* file = stream == 0 ? m_out : m_err;
  const std::string& label = m_hosts[index].label;
  std::fwrite(label.data(), 1, label.size(), file);
  std::fwrite(": ", 1, 2, file);
  std::fwrite(line.data(), 1, line.size(), file);
  std::fputc('\n', file);
}

transport::OutputSink FanoutPrinter::sink(size_t index) {
  return [this, index](OutputStream stream, std::string_view chunk) {
    const int s = stream == OutputStream::Stdout ? 0 : 1;
    HostOutput& output = m_output[index];
    if (m_mode != OutputMode::Prefix) {
      output.text[s].append(chunk);
      if (m_mode == OutputMode::Group) output.combined.append(chunk);
      return;
    }
    std::string& partial = output.partial[s];
    size_t start = 0;
    for (size_t newline; (newline = chunk.find('\n', start)) != std::string_view::npos;
         start = newline + 1) {
      if (partial.empty()) {
        write_line(index, s, chunk.substr(start, newline - start));
      } else {
        partial.append(chunk.substr(start, newline - start));
        write_line(index, s, partial);
        partial.clear();
      }
    }
    partial.append(chunk.substr(start));
  };
}

void FanoutPrinter::set_result(size_t index, const transport::ExecResult& result) {
  m_output[index].result = result;
}

void FanoutPrinter::set_note(size_t index, std::string note) {
  m_output[index].note = std::move(note);
}

void FanoutPrinter::host_done(size_t index, const HostReport& report) {
  if (m_mode != OutputMode::Prefix) return;
  HostOutput& output = m_output[index];
  for (int s = 0; s < 2; ++s) {
    if (!output.partial[s].empty()) write_line(index, s, output.partial[s]);
    output.partial[s].clear();
  }
  if (report.error) {
    write_line(index, 1, "error: " + report.error->to_string());
  } else if (output.result && !output.result->success()) {
    write_line(index, 1, output.result->describe());
  }
}

FanoutPrinter::Counts FanoutPrinter::finish(const std::vector<HostReport>& reports,
                                            double seconds) {
  Counts counts;
  for (const HostReport& report : reports) {
    counts.ok += report.status == HostStatus::Ok;
    counts.failed += report.status == HostStatus::Failed;
    counts.unreachable += report.status == HostStatus::Unreachable;
  }
  const std::string summary = std::to_string(counts.ok) + " ok, " +
                              std::to_string(counts.failed) + " failed, " +
                              std::to_string(counts.unreachable) + " unreachable";
  auto status_name = [](HostStatus status) {
    return status == HostStatus::Ok ? "ok" : status == HostStatus::Failed ? "failed" : "unreachable";
  };
  if (m_mode == OutputMode::Json) {
    nlohmann::json hosts = nlohmann::json::array();
    for (size_t i = 0; i < reports.size(); ++i) {
      const HostOutput& output = m_output[i];
      nlohmann::json host{{"host", m_hosts[i].target.id()},
                          {"role", m_hosts[i].role},
                          {"status", status_name(reports[i].status)},
                          {"attempts", reports[i].attempts},
                          {"seconds", reports[i].seconds},
                          {"stdout", output.text[0]},
                          {"stderr", output.text[1]}};
      if (output.result) {
        host["exit_status"] = output.result->exit_status ? nlohmann::json(*output.result->exit_status)
                                                         : nlohmann::json(nullptr);
        if (!output.result->signal.empty()) host["signal"] = output.result->signal;
      }
      if (!output.note.empty()) host["note"] = output.note;
      if (reports[i].error) {
        host["error"] = {{"kind", reports[i].error->transient() ? "transient" : "permanent"},
                         {"code", transport::error_code_name(reports[i].error->code)},
                         {"message", reports[i].error->message}};
      }
      hosts.push_back(std::move(host));
    }
    nlohmann::json document{{"hosts", std::move(hosts)},
                            {"summary",
                             {{"ok", counts.ok},
                              {"failed", counts.failed},
                              {"unreachable", counts.unreachable},
                              {"seconds", seconds}}}};
    const std::string text = document.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
    std::fwrite(text.data(), 1, text.size(), m_out);
    std::fputc('\n', m_out);
    std::fflush(m_out);
    return counts;
  }
  if (m_mode == OutputMode::Group) {
    // Key: the output plus how the host ended, so "ok" and "exit 1" never share a group.
    std::map<std::string, std::vector<size_t>> groups;
    std::vector<std::string> order;
    for (size_t i = 0; i < reports.size(); ++i) {
      const HostOutput& output = m_output[i];
      std::string ending;
      if (reports[i].error) {
        ending = "error: " + std::string(transport::error_code_name(reports[i].error->code)) +
                 ": " + reports[i].error->message;
      } else if (output.result && !output.result->success()) {
        ending = output.result->describe();
      }
      std::string key = output.combined + (ending.empty() ? "" : "\n[" + ending + "]");
      auto [it, inserted] = groups.try_emplace(key);
      if (inserted) order.push_back(key);
      it->second.push_back(i);
    }
    for (const std::string& key : order) {
      std::vector<std::string> labels;
      for (size_t i : groups[key]) labels.push_back(m_hosts[i].label);
      const std::string header = join(labels, ",") + " (" + std::to_string(labels.size()) + ")";
      std::fprintf(m_out, "---------------\n%s\n---------------\n", header.c_str());
      std::fwrite(key.data(), 1, key.size(), m_out);
      if (!key.empty() && key.back() != '\n') std::fputc('\n', m_out);
    }
  }
  std::fflush(m_out);
  std::fprintf(m_err, "%s (%.2f s)\n", summary.c_str(), seconds);
  std::fflush(m_err);
  return counts;
}

}  // namespace dci::cli
