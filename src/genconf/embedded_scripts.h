#pragma once
// The shell scripts genconf ships, compiled in from src/genconf/scripts/ (embed_scripts.cmake
// generates embedded_scripts.cc at build time).

#include <string_view>

namespace dci {

// scripts/install.sh: the host-side installer, with a "# @DCINSTALL_GENERATED@" marker line that
// genconf replaces with the cluster's values.
std::string_view embedded_install_script();

// scripts/supervise.sh: the supervisor shipped in every bundle as dcinstall/supervise.
std::string_view embedded_supervise_script();

}  // namespace dci
