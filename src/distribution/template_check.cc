#include "distribution/template_check.h"

#include <regex>

#include <kainjow/mustache.hpp>

#include "util/strings.h"

namespace dci {
namespace {

// Maps byte offsets of the text to file positions.
class PositionMap {
 public:
  PositionMap(std::string_view text, const SourcePosition& start) : m_text(text), m_start(start) {}

  SourcePosition at(size_t offset) const {
    SourcePosition position = m_start;
    for (size_t i = 0; i < offset && i < m_text.size(); ++i) {
      if (m_text[i] == '\n') {
        ++position.line;
        position.column = 1;
      } else {
        ++position.column;
      }
    }
    return position;
  }

 private:
  std::string_view m_text;
  SourcePosition m_start;
};

struct Tag {
  char type = 0;  // 0 variable, '#', '^', '/', '!', '>', '&', '=', '{'
  std::string name;
  size_t offset = 0;
};

// The tags of `text` with default delimiters; stops at the first unclosed tag (kainjow reports it).
std::vector<Tag> scan_tags(std::string_view text) {
  std::vector<Tag> tags;
  size_t pos = 0;
  while ((pos = text.find("{{", pos)) != std::string_view::npos) {
    Tag tag;
    tag.offset = pos;
    size_t begin = pos + 2;
    std::string_view close = "}}";
    if (begin < text.size() && text[begin] == '{') {
      tag.type = '{';
      ++begin;
      close = "}}}";
    }
    const size_t end = text.find(close, begin);
    if (end == std::string_view::npos) break;
    std::string_view contents = trim(text.substr(begin, end - begin));
    if (tag.type == 0 && !contents.empty() &&
        std::string_view("#^/!>&=").find(contents.front()) != std::string_view::npos) {
      tag.type = contents.front();
      contents = trim(contents.substr(1));
    }
    tag.name = std::string(contents);
    tags.push_back(tag);
    pos = end + close.size();
  }
  return tags;
}

class NameChecker {
 public:
  NameChecker(const std::map<std::string, TemplateName>& names, const PositionMap& positions,
              std::vector<Diagnostic>& diagnostics)
      : m_names(names), m_positions(positions), m_diagnostics(diagnostics) {}

  void check(const std::vector<Tag>& tags) {
    for (const Tag& tag : tags) {
      switch (tag.type) {
        case '!':
          break;
        case '>':
          error(tag, "partials ({{>" + tag.name + "}}) are not supported; inline the text");
          break;
        case '=':
          error(tag, "set-delimiter tags are not supported; templates use {{ and }}");
          return;  // later tags cannot be found with the default delimiters
        case '/':
          if (!m_sections.empty()) m_sections.pop_back();
          break;
        case '#':
        case '^':
          check_name(tag, true);
          m_sections.push_back(tag.name);
          break;
        default:
          check_name(tag, false);
      }
    }
  }

 private:
  void error(const Tag& tag, std::string message) {
    m_diagnostics.push_back({Severity::Error, m_positions.at(tag.offset), "", std::move(message)});
  }

  // The field lists of the enclosing sections that are lists of objects, innermost first.
  bool is_field_in_scope(const std::string& name) const {
    for (auto it = m_sections.rbegin(); it != m_sections.rend(); ++it) {
      const auto found = m_names.find(*it);
      if (found == m_names.end()) continue;
      for (const auto& field : found->second.fields) {
        if (field == name) return true;
      }
    }
    return false;
  }

  void check_name(const Tag& tag, bool section) {
    const std::string& name = tag.name;
    if (name == ".") {
      if (m_sections.empty()) error(tag, "{{.}} is only meaningful inside a {{#list}} section");
      return;
    }
    if (name.empty()) {
      error(tag, "empty tag; expected a name such as {{cluster_id}}");
      return;
    }
    const std::string head = name.substr(0, name.find('.'));
    if (is_field_in_scope(head)) return;
    const auto found = m_names.find(head);
    if (found == m_names.end()) {
      std::vector<std::string> candidates;
      for (const auto& [candidate, unused] : m_names) candidates.push_back(candidate);
      for (const auto& section : m_sections) {
        const auto it = m_names.find(section);
        if (it != m_names.end()) {
          candidates.insert(candidates.end(), it->second.fields.begin(), it->second.fields.end());
        }
      }
      const std::string suggestion = closest_match(head, candidates);
      error(tag, "unknown name '" + head + "' in template" +
                     (suggestion.empty() ? "; see 'Template context' in docs/distribution-format.md"
                                         : "; did you mean '" + suggestion + "'?"));
      return;
    }
    if (section) return;
    if (found->second.kind == TemplateValueKind::Bool) {
      error(tag, "'" + head + "' is a bool; use {{#" + head + "}}...{{/" + head + "}} or {{^" +
                     head + "}}...{{/" + head + "}}");
    } else if (found->second.kind == TemplateValueKind::List) {
      error(tag, "'" + head + "' is a list; use {{#" + head + "}}...{{/" + head + "}}");
    }
  }

  const std::map<std::string, TemplateName>& m_names;
  const PositionMap& m_positions;
  std::vector<Diagnostic>& m_diagnostics;
  std::vector<std::string> m_sections;
};

}  // namespace

void check_template(std::string_view text, const SourcePosition& start,
                    const std::map<std::string, TemplateName>& names,
                    std::vector<Diagnostic>& diagnostics) {
  const PositionMap positions(text, start);
  const kainjow::mustache::mustache parsed{std::string(text)};
  if (!parsed.is_valid()) {
    // kainjow says "... at <offset>".
    static const std::regex at_offset(R"(^(.*) at ([0-9]+)$)");
    std::smatch match;
    const std::string& message = parsed.error_message();
    if (std::regex_match(message, match, at_offset)) {
      diagnostics.push_back({Severity::Error, positions.at(std::stoul(match[2].str())), "",
                             "Mustache syntax: " + to_lower(match[1].str())});
    } else {
      diagnostics.push_back({Severity::Error, start, "", "Mustache syntax: " + message});
    }
    return;
  }
  NameChecker(names, positions, diagnostics).check(scan_tags(text));
}

}  // namespace dci
