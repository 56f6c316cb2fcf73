#include "distribution/distribution_loader.h"

#include <filesystem>

#include "config/installer_schema.h"
#include "config/raw_config.h"
#include "distribution/manifest_parser.h"
#include "util/strings.h"

namespace dci {
namespace {

namespace fs = std::filesystem;

std::string executable_dir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : exe.parent_path().string();
}

// The choice read from `raw`: set only for a single non-null value.
DistributionChoice choice_from(const RawConfig& raw) {
  DistributionChoice choice;
  const RawEntry* entry = raw.find("distribution");
  if (entry && !entry->is_null && !entry->is_list && entry->items.size() == 1) {
    choice.value = entry->items.front().text;
    choice.position = entry->value_position;
  }
  return choice;
}

// The fast path for a block-map config with exactly one line that starts with "distribution:"
// and holds its value: parses that line alone. In a block map, a line starting at column 0 can
// only be a top-level key (values, block scalars and flow continuations are indented). Nullopt
// when the text has another shape; the caller then parses the whole text.
std::optional<DistributionChoice> scan_distribution_line(std::string_view text,
                                                         const std::string& file) {
  constexpr std::string_view key = "distribution:";
  size_t found = std::string_view::npos;
  int found_line = 0;
  int line = 1;
  bool first_content = true;
  for (size_t start = 0; start < text.size(); ++line) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view current = text.substr(start, end - start);
    if (first_content && !current.empty() && current.front() != '#' && current.front() != ' ') {
      if (current.front() == '{' || current.front() == '-' || current.front() == '"' ||
          current.front() == '\'' || current.front() == '?') {
        return std::nullopt;  // a flow map, a document marker, a list, quoted or complex keys
      }
      first_content = false;
    }
    if (current.substr(0, key.size()) == key) {
      if (found != std::string_view::npos) return std::nullopt;  // duplicates: full parse
      found = start;
      found_line = line;
    }
    start = end + 1;
  }
  if (found == std::string_view::npos) return std::nullopt;
  size_t end = text.find('\n', found);
  if (end == std::string_view::npos) end = text.size();
  // An indented line right after it may continue the value: full parse.
  const size_t next = end + 1;
  if (next < text.size() && (text[next] == ' ' || text[next] == '\t')) {
    const std::string_view rest = trim(text.substr(next, text.find('\n', next) - next));
    if (!rest.empty() && rest.front() != '#') return std::nullopt;
  }
  std::vector<Diagnostic> diagnostics;
  const RawConfig raw = parse_raw_config(text.substr(found, end - found), file, diagnostics);
  const RawEntry* entry = raw.find("distribution");
  if (!diagnostics.empty() || !entry || entry->is_null) return std::nullopt;
  DistributionChoice choice = choice_from(raw);
  if (choice.position.line > 0) choice.position.line = found_line;
  return choice;
}

}  // namespace

DistributionChoice read_distribution_choice(std::string_view config_text,
                                            const std::string& config_file) {
  // Most configs never name the key: skip a second parse of a possibly large file.
  if (config_text.find("distribution") == std::string_view::npos) return DistributionChoice{};
  if (auto choice = scan_distribution_line(config_text, config_file)) return *choice;
  std::vector<Diagnostic> ignored;  // validation reports them with the right schema
  return choice_from(parse_raw_config(config_text, config_file, ignored));
}

std::vector<std::string> builtin_distribution_dirs(const Environment& environment) {
  if (auto dir = environment.get("DCINSTALL_DISTRIBUTIONS_DIR"); dir && !dir->empty()) {
    return {*dir};
  }
  const std::string exe_dir = executable_dir();
  if (exe_dir.empty()) return {};
  return {(fs::path(exe_dir) / "share/dcinstall/distributions").string(),
          (fs::path(exe_dir) / "../share/dcinstall/distributions").lexically_normal().string()};
}

std::string locate_distribution(const std::string& choice, const std::string& base_dir,
                                const Environment& environment) {
  if (choice == k_reference_distribution) {
    const auto dirs = builtin_distribution_dirs(environment);
    for (const std::string& dir : dirs) {
      const fs::path candidate = fs::path(dir) / choice;
      std::error_code ec;
      if (fs::is_directory(candidate, ec)) return candidate.string();
    }
    return dirs.empty() ? choice : (fs::path(dirs.front()) / choice).string();
  }
  return environment.expand_path(choice, base_dir);
}

Schema schema_with_parameters(const Distribution& distribution) {
  Schema schema = installer_schema();
  // The names were checked on load.
  for (const KeySpec& spec : distribution.parameters) (void)schema.add(spec);
  return schema;
}

LoadedDistribution load_distribution(const DistributionChoice& choice,
                                     const std::string& config_file,
                                     const Environment& environment) {
  LoadedDistribution loaded;
  const std::string base_dir = fs::path(config_file).parent_path().string();
  const std::string directory = locate_distribution(choice.value, base_dir, environment);
  ManifestResult manifest = load_manifest(directory);
  if (manifest.ok()) {
    loaded.schema = schema_with_parameters(manifest.distribution);
    loaded.distribution = std::move(manifest.distribution);
    return loaded;
  }
  loaded.schema = installer_schema();
  loaded.schema.set_unknown_keys_secret(true);  // its parameters may be secret: fail closed
  SourcePosition at = choice.position;
  if (at.line == 0) at = {config_file, 1, 1};
  const bool builtin = choice.value == k_reference_distribution;
  loaded.errors.push_back(
      {Severity::Error, at, "distribution",
       "distribution '" + choice.value + "' (" + directory + ") cannot be used: " +
           std::to_string(manifest.errors.size()) + " error" +
           (manifest.errors.size() == 1 ? "" : "s") + " in its manifest" +
           (builtin ? "; the built-in distribution ships with dcinstall: rebuild it, or set "
                      "DCINSTALL_DISTRIBUTIONS_DIR"
                    : "")});
  for (Diagnostic& error : manifest.errors) loaded.errors.push_back(std::move(error));
  return loaded;
}

}  // namespace dci
