#include "genconf/bundle_inputs.h"

#include <nlohmann/json.hpp>

#include "genconf/sha256.h"
#include "util/strings.h"

namespace dci {
namespace {

const std::string k_distribution_key = "distribution version";  // not a config key
const std::string k_none = "(unset)";

}  // namespace

BundleInputs bundle_inputs(const ClusterConfig& config, const Schema& schema,
                           const Distribution& distribution) {
  BundleInputs inputs;
  for (const auto& [key, value] : config.values.all()) {
    std::string text = value.is_list ? "[" + join(value.items, ", ") + "]"
                                     : (value.items.empty() ? "" : value.items.front());
    if (schema.is_secret(key)) text = "secret sha256:" + Sha256::hex_of(key + "\n" + text).substr(0, 8);
    inputs[key] = std::move(text);
  }
  inputs[k_distribution_key] = distribution.name + " " + distribution.version;
  return inputs;
}

std::string bundle_inputs_text(const BundleInputs& inputs) {
  return nlohmann::json(inputs).dump();
}

BundleInputs bundle_inputs_from_text(const std::string& text) {
  const nlohmann::json json = nlohmann::json::parse(text, nullptr, false);
  BundleInputs inputs;
  if (!json.is_object()) return inputs;
  for (const auto& [key, value] : json.items()) {
    if (value.is_string()) inputs[key] = value.get<std::string>();
  }
  return inputs;
}

std::string describe_change(const BundleInputs& from, const BundleInputs& to) {
  if (from.empty()) return "";
  std::vector<std::string> changes;
  auto value_in = [](const BundleInputs& inputs, const std::string& key) {
    const auto it = inputs.find(key);
    return it == inputs.end() ? k_none : it->second;
  };
  auto add = [&](const std::string& key) {
    const std::string before = value_in(from, key), after = value_in(to, key);
    if (before == after) return;
    const bool secret = before.rfind("secret ", 0) == 0 || after.rfind("secret ", 0) == 0;
    changes.push_back(secret ? key + " changed" : key + " " + before + " -> " + after);
  };
  add(k_distribution_key);  // first: it explains the most
  for (const auto& [key, value] : to) {
    if (key != k_distribution_key) add(key);
  }
  for (const auto& [key, value] : from) {
    if (!to.count(key)) add(key);
  }
  if (changes.size() > 3) {
    const size_t more = changes.size() - 3;
    changes.resize(3);
    changes.push_back("and " + std::to_string(more) + " more");
  }
  return join(changes, "; ");
}

}  // namespace dci
