#include "api/static_assets.h"

#include <algorithm>

namespace dci::api {
namespace {

const WebAsset* exact(std::string_view path) {
  const auto assets = web_assets();
  const auto it = std::lower_bound(
      assets.begin(), assets.end(), path,
      [](const WebAsset& asset, std::string_view wanted) { return asset.path < wanted; });
  if (it != assets.end() && it->path == path) return &*it;
  // Tolerate an unsorted table.
  const auto found = std::find_if(assets.begin(), assets.end(),
                                  [path](const WebAsset& asset) { return asset.path == path; });
  return found == assets.end() ? nullptr : &*found;
}

}  // namespace

const WebAsset* find_web_asset(std::string_view path) {
  if (path != "/") {
    if (const WebAsset* asset = exact(path)) return asset;
    if (path.substr(0, 8) == "/assets/") return nullptr;
  }
  return exact("/index.html");
}

}  // namespace dci::api
