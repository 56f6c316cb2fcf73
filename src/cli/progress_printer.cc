#include "cli/progress_printer.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/cause_summary.h"
#include "orchestrator/event_json.h"
#include "util/terminal_text.h"

namespace dci::cli {
namespace {

constexpr int k_bar_width = 28;
constexpr int k_running_hosts_shown = 4;
constexpr auto k_redraw_interval = std::chrono::milliseconds(100);

std::string clock_text(double seconds) {
  const int total = static_cast<int>(seconds + 0.5);
  char text[16];
  std::snprintf(text, sizeof text, "%02d:%02d", total / 60, total % 60);
  return text;
}

// The last non-empty line of `data`, cut to fit a terminal line.
std::string last_line(const std::string& data) {
  size_t end = data.find_last_not_of("\r\n");
  if (end == std::string::npos) return "";
  const size_t start = data.find_last_of("\r\n", end);
  std::string line = data.substr(start == std::string::npos ? 0 : start + 1,
                                 end - (start == std::string::npos ? 0 : start + 1) + 1);
  if (line.size() > 70) line = line.substr(0, 67) + "...";
  return line;
}

}  // namespace

ProgressPrinter::Mode ProgressPrinter::mode_for(bool json_requested, int fd) {
  return (!json_requested && ::isatty(fd)) ? Mode::Bars : Mode::JsonLines;
}

void ProgressPrinter::on_event(const Event& event) {
  if (m_mode == Mode::JsonLines) {
    // Host output may be invalid or cut UTF-8 (a chunk ends mid-character): replace, never throw.
    m_out << to_json(event).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n"
          << std::flush;
    return;
  }
  apply(event);
  const bool finished = std::holds_alternative<StageFinished>(event);
  redraw(finished || std::holds_alternative<StageStarted>(event));
  if (finished) {
    const auto& summary = std::get<StageFinished>(event);
    // The summary's first line, then the causes with their hosts and how to list them all.
    const std::string first_line = summary.summary.substr(0, summary.summary.find('\n'));
    m_out << (summary.ok ? "✔ " : "✘ ") << summary.stage << ": " << terminal_safe(first_line)
          << "\n"
          << cause_summary(summary.stage, summary.causes, m_status_command) << std::flush;
    m_drawn_lines = 0;
  }
}

void ProgressPrinter::tick() {
  if (m_mode == Mode::Bars && !m_stage.empty()) redraw(false);
}

void ProgressPrinter::apply(const Event& event) {
  if (const auto* started = std::get_if<StageStarted>(&event)) {
    if (started->stage != m_stage) {
      m_roles.clear();
      m_stage_start = m_now();
    }
    m_stage = started->stage;
    m_phase = started->phase;
    for (const auto& [role, count] : started->hosts_per_role) m_roles[role].total += count;
  } else if (const auto* step = std::get_if<HostStepStarted>(&event)) {
    auto [it, inserted] = m_running.try_emplace(step->host, RunningHost{step->role, "", ""});
    if (inserted) ++m_roles[step->role].running;
    it->second.step = step->step;
    it->second.last_line.clear();  // a line of the previous step is not this step's output
  } else if (const auto* chunk = std::get_if<OutputChunk>(&event)) {
    auto it = m_running.find(chunk->host);
    if (it != m_running.end()) {
      const std::string line = terminal_safe(last_line(chunk->data));
      if (!line.empty()) it->second.last_line = line;
    }
  } else if (const auto* host = std::get_if<HostFinished>(&event)) {
    RoleProgress& role = m_roles[host->role];
    if (m_running.erase(host->host)) --role.running;
    if (host->state == HostState::Succeeded) ++role.succeeded;
    else if (host->state == HostState::Skipped) ++role.skipped;
    else {
      ++role.failed;
      print_above("✘ " + host->host + " (" + std::string(role_name(host->role)) + "): " +
                  terminal_safe(host->error));
    }
  }
}

std::string ProgressPrinter::render_bars(Clock::time_point now) const {
  const double elapsed = std::chrono::duration<double>(now - m_stage_start).count();
  std::string out = m_stage + (m_phase.empty() ? "" : " (" + m_phase + ")") + "  " +
                    clock_text(elapsed) + "\n";
  for (const auto& [role, progress] : m_roles) {
    if (progress.total == 0) continue;
    const int done = progress.succeeded + progress.failed + progress.skipped;
    const int filled = done * k_bar_width / progress.total;
    std::string bar(static_cast<size_t>(filled), '#');
    bar += std::string(static_cast<size_t>(k_bar_width - filled), '-');
    char line[200];
    std::snprintf(line, sizeof line, "  %-12s [%s] %6d/%-6d ok %-6d failed %-5d running %-5d",
                  std::string(role_name(role)).c_str(), bar.c_str(), done, progress.total,
                  progress.succeeded + progress.skipped, progress.failed, progress.running);
    out += line;
    if (done > 0 && done < progress.total) {
      out += " ETA " + clock_text(elapsed * (progress.total - done) / done);
    }
    out += "\n";
  }
  int shown = 0;
  for (const auto& [host, running] : m_running) {
    if (shown++ == k_running_hosts_shown) break;
    out += "    " + host + " " + running.step + (running.last_line.empty() ? "" : ": ") +
           running.last_line + "\n";
  }
  return out;
}

void ProgressPrinter::redraw(bool force) {
  const auto now = m_now();
  if (!force && now - m_last_draw < k_redraw_interval) return;
  m_last_draw = now;
  std::string frame;
  for (int i = 0; i < m_drawn_lines; ++i) frame += "\x1b[1A\x1b[2K";
  const std::string bars = render_bars(now);
  frame += bars;
  m_drawn_lines = static_cast<int>(std::count(bars.begin(), bars.end(), '\n'));
  m_out << frame << std::flush;
}

void ProgressPrinter::print_above(const std::string& line) {
  std::string frame;
  for (int i = 0; i < m_drawn_lines; ++i) frame += "\x1b[1A\x1b[2K";
  m_out << frame << line << "\n";
  m_drawn_lines = 0;
  redraw(true);
}

}  // namespace dci::cli
