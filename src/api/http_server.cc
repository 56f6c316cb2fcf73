#include "api/http_server.h"

// Beast stays in this file (it costs ~20 s of compile per file). transport/asio.h includes
// <utility> before Asio, as Boost 1.74 needs under C++20.
#include "transport/asio.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <deque>
#include <iostream>
#include <limits>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "api/access_policy.h"
#include "api/access_token.h"
#include "api/static_assets.h"
#include "util/strings.h"

namespace dci::api {
namespace {

namespace asio = transport::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
namespace ssl = asio::ssl;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

constexpr size_t k_header_limit = 8 * 1024;
// After a refused request: how long and how much of the rest is read and dropped before closing
// (closing with unread input sends a RST, which can destroy the answer before the client reads it).
constexpr auto k_linger_time = std::chrono::seconds(1);
constexpr size_t k_linger_bytes = 64 * 1024;
// Everything is served by this origin; the GUI (Vite's build) has no inline script or style.
constexpr const char* k_content_security_policy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

std::string text_of(beast::string_view view) {
  return std::string(view.data(), view.size());
}

std::optional<std::string_view> field_of(const http::fields& fields, http::field name) {
  const auto it = fields.find(name);
  if (it == fields.end()) return std::nullopt;
  return std::string_view(it->value().data(), it->value().size());
}

void close_socket(beast::tcp_stream& stream) {
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream.socket().close(ignored);
}

// OpenSSL's reason for a failed TLS call, e.g. "no start line".
std::string tls_reason(const boost::system::error_code& error) {
  if (error.category() == asio::error::get_ssl_category()) {
    if (const char* reason = ERR_reason_error_string(static_cast<unsigned long>(error.value()))) {
      return reason;
    }
  }
  return error.message();
}

// The server's TLS context: TLS 1.2 or later, the certificate chain and its key.
Result<std::unique_ptr<ssl::context>> load_tls(const TlsFiles& files) {
  for (const std::string& file : {files.cert_path, files.key_path}) {
    if (::access(file.c_str(), R_OK) != 0) {
      return Error(std::string("cannot read it: ") + std::strerror(errno), file);
    }
  }
  auto context = std::make_unique<ssl::context>(ssl::context::tls_server);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                       ssl::context::single_dh_use);
  boost::system::error_code error;
  context->use_certificate_chain_file(files.cert_path, error);
  if (error) {
    return Error("cannot use it as a PEM certificate: " + tls_reason(error), files.cert_path);
  }
  const Error mismatch("the private key does not match the certificate " + files.cert_path,
                       files.key_path);
  context->use_private_key_file(files.key_path, ssl::context::pem, error);
  if (error && error.category() == asio::error::get_ssl_category() &&
      ERR_GET_REASON(static_cast<unsigned long>(error.value())) == X509_R_KEY_VALUES_MISMATCH) {
    return mismatch;
  }
  if (error) {
    return Error("cannot use it as a PEM private key: " + tls_reason(error), files.key_path);
  }
  if (SSL_CTX_check_private_key(context->native_handle()) != 1) {
    ERR_clear_error();
    return mismatch;
  }
  return context;
}

// One /api/v1/events client: a queue the hub fills and a writer loop that drains it.
class SseStream final : public SseClient {
 public:
  SseStream(transport::Executor executor, std::string host)
      : m_host(std::move(host)), m_signal(executor) {}

  void send(const std::string& text) override {
    if (m_closed) return;
    m_queued_bytes += text.size();
    if (m_queued_bytes > EventHub::k_max_client_backlog) {
      close();  // too far behind: the browser reconnects with Last-Event-ID
      return;
    }
    m_queue.push_back(text);
    m_signal.cancel();
  }
  const std::string& followed_host() const override { return m_host; }

  void close() {
    m_closed = true;
    m_signal.cancel();
  }

  // Writes queued text until close() or a write error.
  template <typename Stream>
  transport::Task<void> pump(Stream& stream) {
    while (!m_closed) {
      if (m_queue.empty()) {
        m_signal.expires_at(transport::TimePoint::max());
        boost::system::error_code ignored;
        auto token = asio::redirect_error(asio::use_awaitable, ignored);
        co_await m_signal.async_wait(token);
        continue;
      }
      std::string text;
      while (!m_queue.empty() && text.size() < 256 * 1024) {
        text += m_queue.front();
        m_queue.pop_front();
      }
      m_queued_bytes -= std::min(m_queued_bytes, text.size());
      boost::system::error_code error;
      auto token = asio::redirect_error(asio::use_awaitable, error);
      auto buffer = asio::buffer(text);
      co_await asio::async_write(stream, buffer, token);
      if (error) break;
    }
  }

 private:
  std::string m_host;
  asio::steady_timer m_signal;
  std::deque<std::string> m_queue;
  size_t m_queued_bytes = 0;
  bool m_closed = false;
};

}  // namespace

class HttpServer::Impl {
 public:
  Impl(transport::Executor executor, ApiService& service, ListenAddress address, std::string token,
       std::optional<TlsFiles> tls, HttpLimits limits)
      : m_executor(executor),
        m_service(service),
        m_address(std::move(address)),
        m_token(std::move(token)),
        m_tls_files(std::move(tls)),
        m_limits(limits),
        m_acceptor(executor),
        m_accept_backoff(executor) {}

  Status listen();
  uint16_t port() const { return m_port; }
  std::string url() const {
    const std::string host = m_address.host == "0.0.0.0" || m_address.host == "::"
                                 ? (m_address.is_ipv6() ? "::1" : "127.0.0.1")
                                 : m_address.host;
    ListenAddress shown = m_address;
    shown.host = host;
    return scheme() + "://" + shown.authority(m_port) + "/?token=" + m_token;
  }
  void start() { asio::co_spawn(m_executor, accept_loop(), asio::detached); }
  void stop();

 private:
  using Request = http::request<http::string_body>;
  using Response = http::response<http::string_body>;

  std::string scheme() const { return m_tls ? "https" : "http"; }
  transport::Task<void> accept_loop();
  // Applies the connection caps to a just-accepted connection; false: close it.
  bool admit_connection(uint64_t id);
  transport::Task<void> session(tcp::socket socket, uint64_t id);
  // Requests on one connection (plain or TLS) until it closes; `id` names it in m_connections.
  template <typename Stream>
  transport::Task<void> serve(Stream& stream, uint64_t id);
  // Writes a refusal (Connection: close), then reads and drops a bounded rest of the request.
  template <typename Stream>
  transport::Task<void> refuse(Stream& stream, const ApiResponse& answer, const Request& request);
  template <typename Stream>
  transport::Task<void> serve_events(Stream& stream, const ApiRequest& request,
                                     uint64_t session_id);
  // The refusal for a request header, or nullopt when its body may be read.
  std::optional<ApiResponse> screen(const Request& head, bool& has_token) const;
  size_t body_limit_for(const Request& head) const;
  transport::Task<ApiResponse> answer(const Request& request, ApiRequest& api, bool& is_events);
  ApiResponse static_file(const ApiRequest& api) const;
  Response to_beast(const ApiResponse& answer, const Request& request) const;

  transport::Executor m_executor;
  ApiService& m_service;
  ListenAddress m_address;
  std::string m_token;
  std::optional<TlsFiles> m_tls_files;
  HttpLimits m_limits;
  std::unique_ptr<ssl::context> m_tls;  // set by listen() when m_tls_files
  std::optional<AccessPolicy> m_policy;  // set by listen() (it needs the bound port)
  tcp::acceptor m_acceptor;
  asio::steady_timer m_accept_backoff;
  uint16_t m_port = 0;
  bool m_stopped = false;
  uint64_t m_next_session = 0;
  // Open connections: how to close each (on stop() or eviction), and which have not yet shown
  // the token (ids grow, so the first is the oldest). Shared with the sessions, which may be
  // destroyed after the server (when the io_context is destroyed with them still suspended).
  struct Connections {
    std::map<uint64_t, std::function<void()>> closers;
    std::set<uint64_t> open;
    std::set<uint64_t> unauthenticated;
    std::set<uint64_t> evicted;  // evicted before their session started: it ends at once
  };
  std::shared_ptr<Connections> m_connections = std::make_shared<Connections>();
};

Status HttpServer::Impl::listen() {
  if (m_tls_files) {
    auto tls = load_tls(*m_tls_files);
    if (!tls) return tls.error();
    m_tls = std::move(*tls);
  }
  boost::system::error_code error;
  const std::string host = m_address.host == "localhost" ? "127.0.0.1" : m_address.host;
  const auto ip = asio::ip::make_address(host, error);
  if (error) return Error("'" + m_address.host + "' is not an IP address to listen on");
  const tcp::endpoint endpoint(ip, m_address.port);
  const std::string where = "listen on " + m_address.authority(m_address.port);
  m_acceptor.open(endpoint.protocol(), error);
  if (!error) m_acceptor.set_option(asio::socket_base::reuse_address(true), error);
  if (!error) m_acceptor.bind(endpoint, error);
  if (!error) m_acceptor.listen(asio::socket_base::max_listen_connections, error);
  if (error) return Error(error.message(), where);
  m_port = m_acceptor.local_endpoint().port();
  m_policy.emplace(m_address, m_port, m_token, m_tls != nullptr);
  return Ok{};
}

void HttpServer::Impl::stop() {
  m_stopped = true;
  boost::system::error_code ignored;
  m_acceptor.close(ignored);
  m_accept_backoff.cancel();
  // Closing may end sessions, which erase themselves: close from a copy.
  const auto closers = m_connections->closers;
  for (const auto& [id, close] : closers) close();
}

transport::Task<void> HttpServer::Impl::accept_loop() {
  std::string last_error;
  while (!m_stopped) {
    boost::system::error_code error;
    auto token = asio::redirect_error(asio::use_awaitable, error);
    tcp::socket socket = co_await m_acceptor.async_accept(token);
    if (m_stopped) break;
    if (error) {
      // EMFILE and the like: the listening socket stays readable, so retrying at once would spin.
      if (error.message() != last_error) {
        last_error = error.message();
        std::cerr << "dcinstall web: cannot accept a connection: " << last_error
                  << " (retrying every " << m_limits.accept_backoff.count() << " ms)\n";
      }
      m_accept_backoff.expires_after(m_limits.accept_backoff);
      boost::system::error_code ignored;
      co_await m_accept_backoff.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
      continue;
    }
    last_error.clear();
    const uint64_t id = ++m_next_session;
    if (!admit_connection(id)) {
      boost::system::error_code ignored;
      socket.close(ignored);
      continue;
    }
    asio::co_spawn(m_executor, session(std::move(socket), id), asio::detached);
  }
}

bool HttpServer::Impl::admit_connection(uint64_t id) {
  Connections& connections = *m_connections;
  if (connections.open.size() >= m_limits.max_connections) return false;
  // The oldest connection without the token goes first: a client that sends its request at once
  // is never the oldest, while slow ones cannot hold every slot.
  while (connections.unauthenticated.size() >= m_limits.max_unauthenticated) {
    const uint64_t oldest = *connections.unauthenticated.begin();
    connections.unauthenticated.erase(connections.unauthenticated.begin());
    if (const auto it = connections.closers.find(oldest); it != connections.closers.end()) {
      const auto close = it->second;
      close();
    } else {
      connections.evicted.insert(oldest);
    }
  }
  connections.open.insert(id);
  connections.unauthenticated.insert(id);
  return true;
}

transport::Task<void> HttpServer::Impl::session(tcp::socket socket, uint64_t id) {
  struct Unregister {
    std::shared_ptr<Connections> connections;
    uint64_t id;
    ~Unregister() {
      connections->closers.erase(id);
      connections->open.erase(id);
      connections->unauthenticated.erase(id);
      connections->evicted.erase(id);
    }
  } unregister{m_connections, id};
  if (m_connections->evicted.count(id)) co_return;  // the socket closes with this frame
  if (!m_tls) {
    beast::tcp_stream stream(std::move(socket));
    co_await serve(stream, id);
    co_return;
  }
  TlsStream stream(std::move(socket), *m_tls);
  m_connections->closers[id] = [&stream] { close_socket(beast::get_lowest_layer(stream)); };
  beast::get_lowest_layer(stream).expires_after(m_limits.header_timeout);
  boost::system::error_code error;
  auto token = asio::redirect_error(asio::use_awaitable, error);
  co_await stream.async_handshake(ssl::stream_base::server, token);
  // A failed handshake (e.g. plain HTTP on the TLS port) just closes the connection.
  if (!error) co_await serve(stream, id);
  close_socket(beast::get_lowest_layer(stream));
}

template <typename Stream>
transport::Task<void> HttpServer::Impl::serve(Stream& stream, uint64_t id) {
  beast::tcp_stream& tcp_layer = beast::get_lowest_layer(stream);
  m_connections->closers[id] = [&tcp_layer] { close_socket(tcp_layer); };
  beast::flat_buffer buffer;
  while (!m_stopped) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(k_header_limit);
    // The route's limit is applied once the header is known (a Content-Length beyond this
    // one would fail the header read itself, before the token is looked at).
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    tcp_layer.expires_after(m_limits.header_timeout);
    boost::system::error_code error;
    co_await http::async_read_header(stream, buffer, parser,
                                     asio::redirect_error(asio::use_awaitable, error));
    if (error) break;

    bool has_token = false;
    if (auto refusal = screen(parser.get(), has_token)) {
      co_await refuse(stream, *refusal, parser.get());
      break;
    }
    if (has_token) m_connections->unauthenticated.erase(id);
    const size_t limit = body_limit_for(parser.get());
    const auto declared = parser.content_length();
    if (declared && *declared > limit) {
      co_await refuse(stream,
                      error_response(413, "body_too_large",
                                     "the request body is " + std::to_string(*declared) +
                                         " bytes; " + std::to_string(limit) +
                                         " at most on this path"),
                      parser.get());
      break;
    }
    parser.body_limit(limit);  // also bounds a chunked body
    if (!parser.is_done()) {
      tcp_layer.expires_after(m_limits.body_timeout);
      co_await http::async_read(stream, buffer, parser,
                                asio::redirect_error(asio::use_awaitable, error));
      if (error == http::error::body_limit) {
        co_await refuse(stream,
                        error_response(413, "body_too_large",
                                       "the request body exceeds " + std::to_string(limit) +
                                           " bytes, the most on this path"),
                        parser.get());
        break;
      }
      if (error) break;
    }
    Request request = parser.release();
    ApiRequest api;
    bool is_events = false;
    ApiResponse answer_value;
    try {
      answer_value = co_await answer(request, api, is_events);
    } catch (const std::exception& e) {
      std::cerr << "dcinstall web: internal error on " << api.method << " " << api.path << ": "
                << e.what() << "\n";
      answer_value = error_response(500, "internal_error", "internal error; see the server log");
      is_events = false;
    }
    if (is_events) {
      co_await serve_events(stream, api, id);
      break;
    }
    Response response = to_beast(answer_value, request);
    tcp_layer.expires_after(m_limits.write_timeout);
    co_await http::async_write(stream, response, asio::redirect_error(asio::use_awaitable, error));
    if (error || !response.keep_alive()) break;
  }
  close_socket(tcp_layer);
}

template <typename Stream>
transport::Task<void> HttpServer::Impl::refuse(Stream& stream, const ApiResponse& answer,
                                               const Request& request) {
  beast::tcp_stream& tcp_layer = beast::get_lowest_layer(stream);
  Response response = to_beast(answer, request);
  response.keep_alive(false);
  tcp_layer.expires_after(m_limits.write_timeout < m_limits.header_timeout
                              ? m_limits.write_timeout
                              : m_limits.header_timeout);
  boost::system::error_code error;
  co_await http::async_write(stream, response, asio::redirect_error(asio::use_awaitable, error));
  if (error) co_return;
  boost::system::error_code ignored;
  tcp_layer.socket().shutdown(tcp::socket::shutdown_send, ignored);
  // Bounded linger: drop what the client still sends (e.g. a small body) until it closes.
  tcp_layer.expires_after(k_linger_time);
  std::array<char, 4096> sink{};
  size_t dropped = 0;
  while (dropped < k_linger_bytes) {
    const size_t n = co_await tcp_layer.async_read_some(
        asio::buffer(sink), asio::redirect_error(asio::use_awaitable, error));
    if (error) break;
    dropped += n;
  }
}

std::optional<ApiResponse> HttpServer::Impl::screen(const Request& head, bool& has_token) const {
  const std::optional<std::string_view> authorization =
      field_of(head, http::field::authorization);
  const std::optional<std::string_view> cookie = field_of(head, http::field::cookie);
  has_token = m_policy->token_presented(authorization, cookie);
  const std::string target = text_of(head.target());
  const auto split = split_target(target);
  const std::string path = split ? split->path : target;
  const RequestHead fields{
      .method = std::string_view(head.method_string().data(), head.method_string().size()),
      .path = path,
      .host = field_of(head, http::field::host),
      .origin = field_of(head, http::field::origin),
      .authorization = authorization,
      .cookie = cookie,
  };
  switch (m_policy->check(fields)) {
    case AccessVerdict::allowed:
      return std::nullopt;
    case AccessVerdict::bad_host:
      return error_response(403, "bad_host",
                            "the Host header does not name this server (use http" +
                                std::string(m_tls ? "s" : "") + "://127.0.0.1:" +
                                std::to_string(m_port) + "/ or localhost)");
    case AccessVerdict::unauthorized:
      return error_response(401, "unauthorized",
                            "missing or wrong access token: open the URL that `dcinstall web` "
                            "printed (it carries the token)");
    case AccessVerdict::bad_origin:
      return error_response(403, "bad_origin",
                            "cross-origin request refused: Origin is not this server");
  }
  return error_response(403, "forbidden", "refused");
}

size_t HttpServer::Impl::body_limit_for(const Request& head) const {
  const std::string target = text_of(head.target());
  const auto split = split_target(target);
  const std::string path = split ? split->path : target;
  const http::verb method = head.method();
  const bool large = (method == http::verb::put && path == "/api/v1/config") ||
                     (method == http::verb::post && path == "/api/v1/config/validate") ||
                     (method == http::verb::post && path == "/api/v1/ssh-key");
  return large ? m_limits.large_body_limit : m_limits.body_limit;
}

transport::Task<ApiResponse> HttpServer::Impl::answer(const Request& request, ApiRequest& api,
                                                      bool& is_events) {
  api.method = text_of(request.method_string());
  auto target = split_target(text_of(request.target()));
  if (!target) co_return error_response(400, "bad_request", "malformed request target");
  api.path = std::move(target->path);
  api.query = std::move(target->query);
  api.body = request.body();
  if (const auto it = request.find("Last-Event-ID"); it != request.end()) {
    api.last_event_id = text_of(it->value());
  }

  if (starts_with(api.path, "/api/")) {
    // screen() admitted the header: Host, token and Origin are checked.
    if (api.path == "/api/v1/events" && api.method == "GET") {
      is_events = true;
      co_return ApiResponse{};
    }
    ApiResponse response = co_await m_service.handle(api);
    co_return response;
  }
  co_return static_file(api);
}

ApiResponse HttpServer::Impl::static_file(const ApiRequest& api) const {
  if (api.method != "GET" && api.method != "HEAD") {
    return error_response(405, "method_not_allowed", api.method + " is not supported here");
  }
  if (api.path == "/" && api.query.count("token")) {
    ApiResponse response;
    if (tokens_equal(api.query.at("token"), m_token)) {
      // The token moves into a cookie and leaves the address bar.
      response.status = 303;
      response.content_type = "text/plain; charset=utf-8";
      response.headers.emplace_back("Location", "/");
      response.headers.emplace_back("Set-Cookie", m_policy->set_cookie_value());
      response.body = "see /\n";
      return response;
    }
  }
  const WebAsset* asset = find_web_asset(api.path);
  if (!asset) return error_response(404, "not_found", "no such file: " + api.path);
  ApiResponse response;
  response.content_type = std::string(asset->content_type);
  response.body = std::string(asset->body);
  response.headers.emplace_back(
      "Cache-Control", asset->immutable ? "public, max-age=31536000, immutable" : "no-cache");
  return response;
}

HttpServer::Impl::Response HttpServer::Impl::to_beast(const ApiResponse& answer,
                                                      const Request& request) const {
  Response response{static_cast<http::status>(answer.status), request.version()};
  response.set(http::field::server, "dcinstall");
  response.set(http::field::content_type, answer.content_type);
  response.set("X-Content-Type-Options", "nosniff");
  response.set("X-Frame-Options", "DENY");
  response.set("Referrer-Policy", "no-referrer");
  response.set("Content-Security-Policy", k_content_security_policy);
  bool has_cache_control = false;
  for (const auto& [name, value] : answer.headers) {
    response.set(name, value);
    has_cache_control |= name == "Cache-Control";
  }
  if (!has_cache_control) response.set(http::field::cache_control, "no-store");
  response.keep_alive(request.keep_alive());
  if (request.method() != http::verb::head) response.body() = answer.body;
  response.prepare_payload();
  if (request.method() == http::verb::head) response.content_length(answer.body.size());
  return response;
}

template <typename Stream>
transport::Task<void> HttpServer::Impl::serve_events(Stream& stream, const ApiRequest& request,
                                                     uint64_t session_id) {
  std::optional<int64_t> last_event_id;
  const std::string last =
      !request.last_event_id.empty() ? request.last_event_id : request.param("last_event_id");
  if (!last.empty()) {
    long long id = 0;
    if (parse_int(trim(last), id)) last_event_id = id;
  }
  beast::tcp_stream& tcp_layer = beast::get_lowest_layer(stream);
  tcp_layer.expires_never();
  const std::string header =
      "HTTP/1.1 200 OK\r\nServer: dcinstall\r\nContent-Type: text/event-stream\r\n"
      "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n"
      "X-Accel-Buffering: no\r\n\r\n";
  auto client = std::make_shared<SseStream>(m_executor, request.param("host"));
  client->send(header);
  // stop() must also wake the writer, not just close the socket.
  m_connections->closers[session_id] = [&tcp_layer, client] {
    client->close();
    close_socket(tcp_layer);
  };
  m_service.hub().subscribe(client, last_event_id);
  co_await client->pump(stream);
  m_service.hub().unsubscribe(client.get());
}

HttpServer::HttpServer(transport::Executor executor, ApiService& service, ListenAddress address,
                       std::string token, std::optional<TlsFiles> tls, HttpLimits limits)
    : m_impl(std::make_unique<Impl>(executor, service, std::move(address), std::move(token),
                                    std::move(tls), limits)) {}

HttpServer::~HttpServer() = default;

Status HttpServer::listen() {
  return m_impl->listen();
}
uint16_t HttpServer::port() const {
  return m_impl->port();
}
std::string HttpServer::url() const {
  return m_impl->url();
}
void HttpServer::start() {
  m_impl->start();
}
void HttpServer::stop() {
  m_impl->stop();
}

}  // namespace dci::api
