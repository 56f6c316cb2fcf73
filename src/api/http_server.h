#pragma once
// The HTTP server of `dcinstall web` (Boost.Beast on the orchestrator's io_context): token
// authentication, the Origin check, the embedded GUI, the REST API (ApiService) and the
// Server-Sent Events stream (EventHub). docs/http-api.md is the contract.
//
// Access (AccessPolicy, decided on the request header before any body is read): on loopback the
// Host header must name this server (403); every /api/ request carries the token as cookie
// `dcinstall_token_PORT` or `Authorization: Bearer`, else 401. GET /?token=T with the right
// token sets the cookie and redirects to /. POST/PUT/DELETE/PATCH whose Origin header is not this
// server's origin: 403.
//
// Hostile clients (HttpLimits): the header must arrive within a short timeout, bodies are
// limited per route, connections that have not shown the token are capped (the oldest is closed
// beyond the cap), all connections are capped (a new one beyond is closed), and accept errors
// (EMFILE) back off instead of spinning.
//
// TLS: with TlsFiles, every connection is HTTPS (TLS 1.2 or later), the URL says https and the
// token cookie is Secure.
//
// Single-threaded: on the io_context thread. Lifetime: the ApiService outlives the server;
// stop() closes the listener and every connection, so the io_context can run out of work.

#include <chrono>
#include <cstddef>
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

// Limits against slow or hostile clients. The defaults are the product's; tests shorten the
// timeouts (hidden options of `dcinstall web`).
struct HttpLimits {
  // From the start of a wait for a request header (also a keep-alive connection's idle time and
  // the TLS handshake) to its end: a deadline, trickling bytes does not extend it.
  std::chrono::milliseconds header_timeout{15'000};
  // Reading the body of an admitted request.
  std::chrono::milliseconds body_timeout{60'000};
  // Writing one response (SSE streams have none).
  std::chrono::milliseconds write_timeout{120'000};
  // Connections that have not yet sent the token; a new one beyond closes the oldest of them.
  size_t max_unauthenticated = 64;
  // All connections; a new one beyond this is closed at once.
  size_t max_connections = 256;
  // The wait after a failed accept (EMFILE, ENFILE, ENOBUFS...).
  std::chrono::milliseconds accept_backoff{100};
  // Request bodies: `large_body_limit` for PUT /api/v1/config, POST /api/v1/config/validate and
  // POST /api/v1/ssh-key, `body_limit` for every other request; beyond: 413.
  size_t body_limit = 64 * 1024;
  size_t large_body_limit = 1024 * 1024;
};

class HttpServer {
 public:
  HttpServer(transport::Executor executor, ApiService& service, ListenAddress address,
             std::string token, std::optional<TlsFiles> tls = std::nullopt,
             HttpLimits limits = {});
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
