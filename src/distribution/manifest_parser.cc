#include "distribution/manifest_parser.h"

#include <filesystem>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <tuple>

#include "config/installer_schema.h"
#include "config/raw_config.h"
#include "distribution/manifest_reader.h"
#include "distribution/template_check.h"
#include "distribution/template_names.h"
#include "util/strings.h"

namespace dci {
namespace {

namespace fs = std::filesystem;

const std::string k_name_pattern = "[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?";
const std::string k_name_doc = "1–63 characters of a-z, 0-9 and '-', not starting or ending with '-'";
const std::string k_parameter_pattern = "[a-z][a-z0-9_]{0,62}";
const std::string k_parameter_doc = "a lower-case name of a-z, 0-9 and '_' starting with a letter";
const std::string k_env_pattern = "[A-Za-z_][A-Za-z0-9_]*";
const std::string k_env_doc = "an environment variable name (letters, digits, '_')";

enum class FileKind { Template, File, Artifact };

// What the parser knows about one role while reading it.
struct RoleState {
  std::map<std::string, int> target_lines;  // bundle path -> manifest line that declared it
};

class ManifestParser {
 public:
  ManifestParser(const std::string& file, const std::string& directory,
                 std::vector<Diagnostic>& errors)
      : m_reader(file, errors), m_directory(directory) {}

  Distribution parse(std::string_view text) {
    Distribution distribution;
    distribution.manifest_path = m_reader.file();
    distribution.directory = fs::absolute(m_directory).lexically_normal().string();
    YAML::Node root;
    try {
      root = YAML::Load(std::string(text));
    } catch (const YAML::Exception& e) {
      const SourcePosition at = e.mark.line >= 0
                                    ? SourcePosition{m_reader.file(), e.mark.line + 1,
                                                     e.mark.column + 1}
                                    : SourcePosition{m_reader.file(), 1, 1};
      m_reader.error(at, "", "YAML syntax error: " + e.msg);
      return distribution;
    }
    const SourcePosition top{m_reader.file(), 1, 1};
    const ManifestNode root_node = m_reader.node(root, "", top);
    if (!root.IsMap()) {
      m_reader.error(root_node, "expected a map with format_version, name, version, parameters "
                                "and roles, found " + ManifestReader::describe(root));
      return distribution;
    }
    for (const auto& [key, value] : m_reader.map_entries(
             root_node,
             {"format_version", "name", "version", "description", "parameters", "roles"},
             {"format_version", "name", "version", "roles"})) {
      if (key == "format_version") {
        auto version = m_reader.integer(value, 0, 1000000);
        if (version && *version != k_manifest_format_version) {
          m_reader.error(value, "format_version " + std::to_string(*version) +
                                    " is not supported; this dcinstall reads format_version " +
                                    std::to_string(k_manifest_format_version));
        }
      } else if (key == "name") {
        distribution.name = m_reader.name(value, k_name_pattern, k_name_doc).value_or("");
      } else if (key == "version") {
        distribution.version = m_reader.text(value).value_or("");
      } else if (key == "description") {
        distribution.description = m_reader.text(value).value_or("");
      } else if (key == "parameters") {
        m_parameters_node = value;
        m_have_parameters = true;
      } else if (key == "roles") {
        m_roles_node = value;
        m_have_roles = true;
      }
    }
    // Parameters first: templates and port requirements refer to them.
    if (m_have_parameters) read_parameters(m_parameters_node, distribution);
    m_schema = installer_schema();
    // read_parameters reported a name that clashes; the rest are added.
    for (const KeySpec& spec : distribution.parameters) (void)m_schema.add(spec);
    m_template_names = template_names(m_schema);
    if (m_have_roles) read_roles(m_roles_node, distribution);
    return distribution;
  }

 private:
  // ---- parameters -------------------------------------------------------------------------

  void read_parameters(const ManifestNode& node, Distribution& distribution) {
    const Schema installer = installer_schema();
    for (const auto& [name, spec_node] : m_reader.open_map_entries(node)) {
      const ManifestNode name_node{YAML::Node(name), spec_node.path, spec_node.key_at,
                                   spec_node.key_at};
      if (!m_reader.name(name_node, k_parameter_pattern, k_parameter_doc)) continue;
      if (installer.find(name)) {
        m_reader.error(spec_node.key_at, spec_node.path,
                       "'" + name + "' is an installer key; a distribution parameter needs a "
                       "name of its own (e.g. prefix it with the distribution's name)");
        continue;
      }
      if (is_derived_template_name(name)) {
        m_reader.error(spec_node.key_at, spec_node.path,
                       "'" + name + "' is a derived value of the template context; choose "
                       "another name");
        continue;
      }
      if (auto spec = read_parameter(name, spec_node)) {
        spec->source = distribution.name.empty() ? "distribution" : distribution.name;
        distribution.parameters.push_back(std::move(*spec));
      }
    }
  }

  std::optional<KeySpec> read_parameter(const std::string& name, const ManifestNode& node) {
    const size_t errors_before = m_reader.error_count();
    KeySpec spec;
    spec.key = name;
    std::optional<ManifestNode> default_node;
    std::vector<std::pair<std::string, ManifestNode>> typed;  // read once the type is known
    for (const auto& [key, value] : m_reader.map_entries(
             node, {"type", "doc", "default", "required", "secret", "min", "max", "choices",
                    "pattern", "pattern_doc"},
             {"type", "doc"})) {
      if (key == "type") {
        auto type_name = m_reader.text(value);
        if (!type_name) continue;
        auto type = value_type_from_name(*type_name);
        if (!type) {
          m_reader.error(value, "unknown type '" + *type_name +
                                    "'; expected one of: string, integer, number, bool, list, "
                                    "host, host list");
        } else {
          spec.type = *type;
        }
      } else if (key == "doc") {
        spec.doc = m_reader.text(value).value_or("");
      } else if (key == "required") {
        spec.required = m_reader.boolean(value).value_or(false);
      } else if (key == "secret") {
        spec.secret = m_reader.boolean(value).value_or(false);
      } else if (key == "default") {
        default_node = value;
      } else {
        typed.emplace_back(key, value);
      }
    }
    for (const auto& [key, value] : typed) {
      const bool numeric = spec.type == ValueType::Integer || spec.type == ValueType::Number;
      const bool textual = spec.type == ValueType::String || spec.type == ValueType::StringList;
      if ((key == "min" || key == "max") && !numeric) {
        m_reader.error(value.key_at, value.path, "'" + key + "' applies only to integer and number");
      } else if ((key == "choices" || key == "pattern" || key == "pattern_doc") && !textual) {
        m_reader.error(value.key_at, value.path, "'" + key + "' applies only to string and list");
      } else if (key == "min" || key == "max") {
        double bound = 0;
        auto text = m_reader.text(value);
        if (!text) continue;
        if (!parse_number(*text, bound)) {
          m_reader.error(value, "'" + *text + "' is not a number");
          continue;
        }
        (key == "min" ? spec.min : spec.max) = bound;
      } else if (key == "choices") {
        for (const ManifestNode& item : m_reader.list_items(value)) {
          if (auto choice = m_reader.text(item)) spec.choices.push_back(*choice);
        }
      } else if (key == "pattern") {
        auto pattern = m_reader.text(value);
        if (!pattern) continue;
        try {
          std::regex compiled(*pattern);
          spec.pattern = *pattern;
        } catch (const std::regex_error& e) {
          m_reader.error(value, "'" + *pattern + "' is not a valid ECMAScript regular expression");
        }
      } else if (key == "pattern_doc") {
        spec.pattern_doc = m_reader.text(value).value_or("");
      }
    }
    if (default_node) read_default(spec, *default_node);
    if (m_reader.error_count() != errors_before) return std::nullopt;
    return spec;
  }

  void read_default(KeySpec& spec, const ManifestNode& node) {
    if (spec.required) {
      m_reader.error(node.key_at, node.path, "a required parameter cannot have a default");
      return;
    }
    std::vector<ManifestNode> items;
    if (is_list_type(spec.type)) {
      items = m_reader.list_items(node);
      if (!node.node.IsNull() && !node.node.IsSequence()) return;
    } else if (node.node.IsNull()) {
      return;
    } else {
      items.push_back(node);
    }
    std::vector<std::string> texts;
    for (const ManifestNode& item : items) {
      auto text = m_reader.text(item);
      if (!text) return;
      if (is_list_type(spec.type) && text->find(',') != std::string::npos) {
        m_reader.error(item, "default list items may not contain ','");
        return;
      }
      if (auto problem = check_scalar(spec, *text)) {
        m_reader.error(item, "the default does not pass the parameter's own rule: " + *problem);
        return;
      }
      texts.push_back(*text);
    }
    spec.default_value = join(texts, ",");
  }

  // ---- roles ------------------------------------------------------------------------------

  void read_roles(const ManifestNode& node, Distribution& distribution) {
    // Membership steps (join, leave) by role: they run on a master, so their scripts are the
    // master's, known once every role is read.
    std::vector<std::tuple<Role, std::string, ManifestNode>> membership;
    RoleState master;
    for (const auto& [name, role_node] :
         m_reader.map_entries(node, {"master", "agent", "public_agent"},
                              {"master", "agent", "public_agent"})) {
      const Role which = *role_from_name(name);
      read_role(role_node, distribution.role(which), which == Role::Master ? &master : nullptr,
                [&](const std::string& key, const ManifestNode& steps) {
                  membership.emplace_back(which, key, steps);
                });
    }
    for (const auto& [which, key, steps] : membership) {
      RoleSpec& role = distribution.role(which);
      (key == "join" ? role.join : role.leave) = read_checks(steps, master, "the master role's");
    }
  }

  // `master_state`, when given, receives the role's targets; `membership` gets the role's
  // `join` and `leave` (key, node).
  void read_role(const ManifestNode& node, RoleSpec& role, RoleState* master_state,
                 const std::function<void(const std::string&, const ManifestNode&)>& membership) {
    RoleState state;
    std::vector<std::pair<std::string, ManifestNode>> checks;
    for (const auto& [key, value] :
         m_reader.map_entries(node, {"requirements", "templates", "files", "artifacts", "services",
                                     "prerequisites", "preflight", "health", "cluster_health",
                                     "drain", "undrain", "join", "leave"})) {
      if (key == "requirements") {
        read_requirements(value, role.requirements);
      } else if (key == "templates") {
        role.templates = read_files(value, FileKind::Template, state);
      } else if (key == "files") {
        role.files = read_files(value, FileKind::File, state);
      } else if (key == "artifacts") {
        role.artifacts = read_files(value, FileKind::Artifact, state);
      } else if (key == "services") {
        read_services(value, role.services);
      } else if (key == "join" || key == "leave") {
        membership(key, value);
      } else {
        checks.emplace_back(key, value);  // after every target of the role is known
      }
    }
    for (const auto& [key, value] : checks) {
      if (key == "prerequisites") {
        role.prerequisites = read_prerequisites(value, state);
        continue;
      }
      auto& list = key == "preflight" ? role.preflight
                   : key == "health"  ? role.health
                   : key == "drain"   ? role.drain
                   : key == "undrain" ? role.undrain
                                      : role.cluster_health;
      list = read_checks(value, state);
    }
    if (master_state) *master_state = state;
  }

  void read_requirements(const ManifestNode& node, Requirements& requirements) {
    for (const auto& [key, value] :
         m_reader.map_entries(node, {"cpus", "memory_mb", "disk_mb", "ports"})) {
      if (key == "cpus") {
        requirements.cpus = static_cast<int>(m_reader.integer(value, 0, 4096).value_or(0));
      } else if (key == "memory_mb") {
        requirements.memory_mb = m_reader.integer(value, 0, 1LL << 30).value_or(0);
      } else if (key == "disk_mb") {
        requirements.disk_mb = m_reader.integer(value, 0, 1LL << 40).value_or(0);
      } else {
        for (const ManifestNode& item : m_reader.list_items(value)) read_port(item, requirements);
      }
    }
  }

  void read_port(const ManifestNode& item, Requirements& requirements) {
    auto text = m_reader.text(item);
    if (!text) return;
    long long number = 0;
    if (parse_int(*text, number)) {
      if (auto port = m_reader.integer(item, 1, 65535)) {
        requirements.ports.push_back({static_cast<int>(*port), ""});
      }
      return;
    }
    const KeySpec* spec = m_schema.find(*text);
    if (!spec || spec->source == "dcinstall" || spec->type != ValueType::Integer) {
      m_reader.error(item, "'" + *text + "' is neither a port number nor an integer parameter "
                           "of this distribution");
      return;
    }
    requirements.ports.push_back({0, *text});
  }

  // A relative path inside the distribution directory that names a regular file.
  bool check_source(const ManifestNode& node, const std::string& source) {
    const fs::path path(source);
    if (source.empty() || path.is_absolute() || !is_clean_relative(source)) {
      m_reader.error(node, "'" + source + "' must be a relative path inside the distribution "
                           "directory, without '..'");
      return false;
    }
    std::error_code ec;
    const fs::path full = fs::path(m_directory) / path;
    if (!fs::is_regular_file(full, ec)) {
      m_reader.error(node, "file '" + source + "' not found in the distribution directory " +
                               fs::absolute(m_directory).lexically_normal().string());
      return false;
    }
    return true;
  }

  static bool is_clean_relative(const std::string& text) {
    for (const auto& part : split(text, '/')) {
      if (part.empty() || part == "." || part == "..") return false;
    }
    return true;
  }

  std::vector<BundleFileSpec> read_files(const ManifestNode& node, FileKind kind, RoleState& state) {
    std::vector<BundleFileSpec> files;
    for (const ManifestNode& item : m_reader.list_items(node)) {
      BundleFileSpec file;
      file.position = item.at;
      file.mode = kind == FileKind::Artifact ? 0755 : 0644;
      bool ok = true;
      for (const auto& [key, value] :
           m_reader.map_entries(item, {"source", "target", "mode"}, {"source", "target"})) {
        if (key == "source") {
          auto source = m_reader.text(value);
          ok = source && check_source(value, *source) && ok;
          if (source) file.source = *source;
          if (ok && kind == FileKind::Template) check_template_file(file.source);
        } else if (key == "target") {
          auto target = m_reader.text(value);
          ok = target && check_target(value, *target, state) && ok;
          if (target) file.target = *target;
        } else {
          auto mode = m_reader.mode(value);
          ok = mode.has_value() && ok;
          file.mode = mode.value_or(0644);
        }
      }
      if (ok && !file.source.empty() && !file.target.empty()) files.push_back(file);
    }
    return files;
  }

  bool check_target(const ManifestNode& node, const std::string& target, RoleState& state) {
    if (target.empty() || target.front() == '/' || !is_clean_relative(target)) {
      m_reader.error(node, "'" + target + "' must be a relative path inside the bundle such as "
                           "'bin/tool' (no leading '/', no '.', '..' or empty parts)");
      return false;
    }
    if (target == "dcinstall" || starts_with(target, "dcinstall/")) {
      m_reader.error(node, "'" + target + "': the bundle's dcinstall/ directory is reserved for "
                           "what genconf writes there");
      return false;
    }
    const auto [seen, inserted] = state.target_lines.emplace(target, node.at.line);
    if (!inserted) {
      m_reader.error(node, "target '" + target + "' is already used at line " +
                               std::to_string(seen->second) + " of this role");
      return false;
    }
    // A file and a directory of the same name cannot both be in the tar.
    for (const auto& [other, line] : state.target_lines) {
      if (other != target && (starts_with(other, target + "/") || starts_with(target, other + "/"))) {
        m_reader.error(node, "target '" + target + "' clashes with '" + other + "' (line " +
                                 std::to_string(line) + "): a path cannot be a file and a directory");
        return false;
      }
    }
    return true;
  }

  void check_template_file(const std::string& source) {
    if (!m_checked_templates.insert(source).second) return;  // shared by several roles
    auto text = read_text_file((fs::path(m_directory) / source).string());
    if (!text) return;  // check_source saw it; a read error shows at render time
    const fs::path shown = fs::path(m_reader.file()).parent_path() / source;
    check_template(*text, {shown.string(), 1, 1}, m_template_names, m_template_errors);
    flush_template_errors();
  }

  void check_inline_template(const ManifestNode& node, const std::string& text) {
    check_template(text, node.at, m_template_names, m_template_errors);
    for (Diagnostic& diagnostic : m_template_errors) diagnostic.key = node.path;
    flush_template_errors();
  }

  void flush_template_errors() {
    for (Diagnostic& diagnostic : m_template_errors) {
      m_reader.error(diagnostic.position, diagnostic.key, diagnostic.message);
    }
    m_template_errors.clear();
  }

  void read_services(const ManifestNode& node, std::vector<ServiceSpec>& services) {
    std::map<std::string, int> names;
    for (const ManifestNode& item : m_reader.list_items(node)) {
      ServiceSpec service;
      service.position = item.at;
      const size_t errors_before = m_reader.error_count();
      for (const auto& [key, value] :
           m_reader.map_entries(item, {"name", "command", "environment", "restart",
                                       "restart_delay_s"},
                                {"name", "command"})) {
        if (key == "name") {
          service.name = unique_name(value, "service", " of this role", names);
        } else if (key == "command") {
          for (const ManifestNode& part : m_reader.list_items(value)) {
            auto text = m_reader.text(part);
            if (!text) continue;
            check_inline_template(part, *text);
            service.command.push_back(*text);
          }
          if (value.node.IsNull() || (value.node.IsSequence() && value.node.size() == 0)) {
            m_reader.error(value, "command is empty; give the program and its arguments");
          }
        } else if (key == "environment") {
          for (const auto& [variable, setting] : m_reader.open_map_entries(value)) {
            const ManifestNode name_node{YAML::Node(variable), setting.path, setting.key_at,
                                         setting.key_at};
            if (!m_reader.name(name_node, k_env_pattern, k_env_doc)) continue;
            if (starts_with(variable, "DCINSTALL_")) {
              m_reader.error(setting.key_at, setting.path,
                             "DCINSTALL_* variables are set by dcinstall; choose another name");
              continue;
            }
            auto text = m_reader.text(setting);
            if (!text) continue;
            check_inline_template(setting, *text);
            service.environment.emplace_back(variable, *text);
          }
        } else if (key == "restart") {
          auto policy = m_reader.text(value);
          if (!policy) continue;
          if (*policy == "always") service.restart = RestartPolicy::Always;
          else if (*policy == "on-failure") service.restart = RestartPolicy::OnFailure;
          else if (*policy == "never") service.restart = RestartPolicy::Never;
          else m_reader.error(value, "'" + *policy + "' is not a restart policy; expected one of: "
                                     "always, on-failure, never");
        } else {
          service.restart_delay_s = static_cast<int>(m_reader.integer(value, 1, 3600).value_or(1));
        }
      }
      if (m_reader.error_count() == errors_before) services.push_back(std::move(service));
    }
  }

  // `owner` names whose targets `run` must be, in errors ("this role's").
  std::vector<CheckSpec> read_checks(const ManifestNode& node, const RoleState& state,
                                     const std::string& owner = "this role's") {
    std::vector<CheckSpec> checks;
    std::map<std::string, int> names;
    for (const ManifestNode& item : m_reader.list_items(node)) {
      CheckSpec check;
      check.position = item.at;
      const size_t errors_before = m_reader.error_count();
      for (const auto& [key, value] : m_reader.map_entries(
               item, {"name", "run", "message", "timeout_s"}, {"name", "run", "message"})) {
        if (key == "name") {
          check.name = unique_name(value, "check", "", names);
        } else if (key == "run") {
          check.run = bundle_script(value, state, owner);
        } else if (key == "message") {
          check.message = one_line_message(value, "a check message");
        } else {
          check.timeout_s = m_reader.number(value, 0).value_or(30);
        }
      }
      if (m_reader.error_count() == errors_before) checks.push_back(std::move(check));
    }
    return checks;
  }

  std::vector<PrerequisiteSpec> read_prerequisites(const ManifestNode& node,
                                                   const RoleState& state) {
    std::vector<PrerequisiteSpec> prerequisites;
    std::map<std::string, int> names;
    for (const ManifestNode& item : m_reader.list_items(node)) {
      PrerequisiteSpec prerequisite;
      prerequisite.position = item.at;
      const size_t errors_before = m_reader.error_count();
      for (const auto& [key, value] :
           m_reader.map_entries(item, {"name", "check", "install", "message", "timeout_s"},
                                {"name", "check", "install", "message"})) {
        if (key == "name") {
          prerequisite.name = unique_name(value, "prerequisite", " of this role", names);
        } else if (key == "check") {
          prerequisite.check = bundle_script(value, state);
        } else if (key == "install") {
          prerequisite.install = bundle_script(value, state);
        } else if (key == "message") {
          prerequisite.message = one_line_message(value, "a prerequisite message");
        } else {
          prerequisite.timeout_s = m_reader.number(value, 0).value_or(300);
        }
      }
      if (m_reader.error_count() == errors_before) prerequisites.push_back(std::move(prerequisite));
    }
    return prerequisites;
  }

  // A script a check or prerequisite runs: one of the role's bundle targets ("" when not).
  std::string bundle_script(const ManifestNode& value, const RoleState& state,
                            const std::string& owner = "this role's") {
    std::string path = m_reader.text(value).value_or("");
    if (!path.empty() && !state.target_lines.count(path)) {
      std::vector<std::string> targets;
      for (const auto& [target, line] : state.target_lines) targets.push_back(target);
      const std::string suggestion = closest_match(path, targets);
      const std::string hint = suggestion.empty() ? "" : "; did you mean '" + suggestion + "'?";
      m_reader.error(value, "'" + path + "' is not a target of " + owner +
                                " templates, files or artifacts" + hint);
    }
    return path;
  }

  // A `name` that must be unique among `names` (name -> line of its first definition): reports
  // a bad or repeated name at `value` (`kind`: "check", ...; `scope` ends the message) and
  // returns it ("" when it is not a valid name).
  std::string unique_name(const ManifestNode& value, const std::string& kind,
                          const std::string& scope, std::map<std::string, int>& names) {
    std::string name = m_reader.name(value, k_name_pattern, k_name_doc).value_or("");
    if (name.empty()) return name;
    const auto [seen, inserted] = names.emplace(name, value.at.line);
    if (!inserted) {
      m_reader.error(value, kind + " '" + name + "' is already defined at line " +
                                std::to_string(seen->second) + scope);
    }
    return name;
  }

  // `what`: "a check message" or the like, for the error.
  std::string one_line_message(const ManifestNode& value, const std::string& what) {
    std::string message = m_reader.text(value).value_or("");
    if (message.find_first_of("\t\n") != std::string::npos) {
      m_reader.error(value, what + " is one line without tabs");
    }
    return message;
  }

  ManifestReader m_reader;
  std::string m_directory;
  Schema m_schema;
  std::map<std::string, TemplateName> m_template_names;
  std::vector<Diagnostic> m_template_errors;
  std::set<std::string> m_checked_templates;
  ManifestNode m_parameters_node;
  ManifestNode m_roles_node;
  bool m_have_parameters = false;
  bool m_have_roles = false;
};

}  // namespace

ManifestResult parse_manifest(std::string_view text, const std::string& file,
                              const std::string& directory) {
  ManifestResult result;
  result.distribution = ManifestParser(file, directory, result.errors).parse(text);
  // Manifest errors first, then template files, each by position.
  std::stable_sort(result.errors.begin(), result.errors.end(),
                   [&file](const Diagnostic& a, const Diagnostic& b) {
                     const bool a_manifest = a.position.file == file;
                     const bool b_manifest = b.position.file == file;
                     if (a_manifest != b_manifest) return a_manifest;
                     if (a.position.file != b.position.file) return a.position.file < b.position.file;
                     if (a.position.line != b.position.line) return a.position.line < b.position.line;
                     return a.position.column < b.position.column;
                   });
  return result;
}

ManifestResult load_manifest(const std::string& directory) {
  const std::string path = (fs::path(directory) / k_manifest_file_name).string();
  auto text = read_text_file(path);
  if (!text) {
    ManifestResult result;
    result.errors.push_back({Severity::Error, {path, 0, 0}, "",
                             text.error().message + " (a distribution directory holds " +
                                 std::string(k_manifest_file_name) + ")"});
    return result;
  }
  return parse_manifest(*text, path, directory);
}

}  // namespace dci
