#pragma once
// The embedded web GUI (web/embed/web_assets.h): which asset answers a path.

#include <string_view>

#include "web/embed/web_assets.h"

namespace dci::api {

// "/" and every path that is not a file of the GUI (the single-page app's own routes) answer with
// /index.html; a missing file under /assets/ is nullptr (404). nullptr when there is no
// index.html either.
const WebAsset* find_web_asset(std::string_view path);

}  // namespace dci::api
