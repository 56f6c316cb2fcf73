# Writes OUTPUT, a C++ file defining embedded_<name>_script() for each script:
#   cmake -DOUTPUT=file.cc -DINSTALL=install.sh -DSUPERVISE=supervise.sh -P embed_scripts.cmake
set(content "// Generated from src/genconf/scripts/ by embed_scripts.cmake; do not edit.\n")
string(APPEND content "#include \"genconf/embedded_scripts.h\"\n\nnamespace dci {\n")
foreach(name install supervise)
  string(TOUPPER ${name} variable)
  file(READ ${${variable}} text)
  if(text MATCHES "\\)dcinstall_embed\"")
    message(FATAL_ERROR "${${variable}} contains the raw-string delimiter")
  endif()
  string(APPEND content "\nstd::string_view embedded_${name}_script() {\n"
    "  static constexpr char k_text[] = R\"dcinstall_embed(${text})dcinstall_embed\";\n"
    "  return {k_text, sizeof k_text - 1};\n}\n")
endforeach()
string(APPEND content "\n}  // namespace dci\n")
file(WRITE ${OUTPUT}.tmp "${content}")
file(COPY_FILE ${OUTPUT}.tmp ${OUTPUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUTPUT}.tmp)
