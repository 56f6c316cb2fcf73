#pragma once
// SHA-256 (OpenSSL's libcrypto) over bytes fed in pieces: bundle ids and the cluster id.

#include <memory>
#include <string>
#include <string_view>

#include "util/result.h"

struct evp_md_ctx_st;

namespace dci {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;

  void update(std::string_view bytes);
  // The digest as 64 lower-case hex digits. Ends the computation: call once.
  std::string hex_digest();

  static std::string hex_of(std::string_view bytes);

 private:
  struct FreeContext {
    void operator()(evp_md_ctx_st* context) const;
  };
  std::unique_ptr<evp_md_ctx_st, FreeContext> m_context;
};

// The SHA-256 of a file's content, or an error naming the path.
Result<std::string> sha256_of_file(const std::string& path);

}  // namespace dci
