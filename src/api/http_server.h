#pragma once
// The HTTP server of `dcinstall web` (Boost.Beast on the orchestrator's io_context): token
// authentication, the Origin check, the embedded GUI, the REST API (ApiService) and the
// Server-Sent Events stream (EventHub). docs/http-api.md is the contract.
//
// Auth: every /api/ request carries the token as cookie `dcinstall_token` or
// `Authorization: Bearer`, else 401. GET /?token=T with the right token sets the cookie and
// redirects to /. POST/PUT/DELETE/PATCH whose Origin header is not this server's origin: 403.
//
// TLS: with TlsFiles, every connection is HTTPS (TLS 1.2 or later), the URL says https and the
// token cookie is Secure.
//
// Single-threaded: on the io_context thread. Lifetime: the ApiService outlives the server;
// stop() closes the listener and every connection, so the io_context can run out of work.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "api/api_service.h"
#include "api/listen_address.h"
#include "transport/asio.h"
#include "util/result.h"

namespace dci::api {

// PEM files: the certificate (chain) and its private key.
struct TlsFiles {
  std::string cert_path;
  std::string key_path;
};

class HttpServer {
 public:
  HttpServer(transport::Executor executor, ApiService& service, ListenAddress address,
             std::string token, std::optional<TlsFiles> tls = std::nullopt);
  ~HttpServer();

  // Loads the TLS files (the Error names the file and OpenSSL's reason, or says the key does
  // not match the certificate), binds and listens (the Error names the address and the OS
  // reason).
  Status listen();
  // The bound port (the real one when the address asked for port 0). Precondition: listen().
  uint16_t port() const;
  // "http://127.0.0.1:9000/?token=..." (https with TLS): what to open.
  std::string url() const;

  // Accepts connections until stop().
  void start();
  void stop();

 private:
  class Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace dci::api
