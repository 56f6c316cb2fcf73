// Built only when web/ provides no dcinstall_web_assets library: one page that says so, so the
// API still works (and is tested) without the GUI.

#include <array>

#include "web/embed/web_assets.h"

namespace dci {

std::span<const WebAsset> web_assets() {
  static const std::array<WebAsset, 1> k_assets = {WebAsset{
      "/index.html", "text/html; charset=utf-8",
      "<!doctype html><html><head><meta charset=\"utf-8\"><title>dcinstall</title></head>"
      "<body><h1>dcinstall</h1><p>This dcinstall was built without its web GUI (web/). The HTTP "
      "API under /api/v1/ works; see docs/http-api.md.</p></body></html>\n",
      false}};
  return k_assets;
}

}  // namespace dci
