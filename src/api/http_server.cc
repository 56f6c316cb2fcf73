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

#include <cerrno>
#include <cstring>
#include <deque>
#include <iostream>
#include <map>

#include <nlohmann/json.hpp>

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

constexpr size_t k_body_limit = 16 * 1024 * 1024;
constexpr auto k_read_timeout = std::chrono::seconds(120);
constexpr auto k_handshake_timeout = std::chrono::seconds(30);
constexpr size_t k_max_sse_backlog = 8 * 1024 * 1024;

std::string text_of(beast::string_view view) {
  return std::string(view.data(), view.size());
}

bool is_state_changing(const std::string& method) {
  return method == "POST" || method == "PUT" || method == "DELETE" || method == "PATCH";
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
    if (m_queued_bytes > k_max_sse_backlog) {
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
       std::optional<TlsFiles> tls)
      : m_executor(executor),
        m_service(service),
        m_address(std::move(address)),
        m_token(std::move(token)),
        m_tls_files(std::move(tls)),
        m_acceptor(executor) {}

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
  transport::Task<void> session(tcp::socket socket);
  // Requests on one connection (plain or TLS) until it closes; `id` names it in m_closers.
  template <typename Stream>
  transport::Task<void> serve(Stream& stream, uint64_t id);
  template <typename Stream>
  transport::Task<void> serve_events(Stream& stream, const ApiRequest& request,
                                     uint64_t session_id);
  transport::Task<ApiResponse> answer(const Request& request, ApiRequest& api, bool& is_events);
  bool authorized(const Request& request) const;
  bool origin_allowed(const Request& request) const;
  ApiResponse static_file(const Request& request, const ApiRequest& api) const;
  Response to_beast(const ApiResponse& answer, const Request& request) const;

  transport::Executor m_executor;
  ApiService& m_service;
  ListenAddress m_address;
  std::string m_token;
  std::optional<TlsFiles> m_tls_files;
  std::unique_ptr<ssl::context> m_tls;  // set by listen() when m_tls_files
  tcp::acceptor m_acceptor;
  uint16_t m_port = 0;
  bool m_stopped = false;
  uint64_t m_next_session = 0;
  // Open connections, to close on stop(). Shared with the sessions, which may be destroyed after
  // the server (when the io_context is destroyed with them still suspended).
  using Closers = std::map<uint64_t, std::function<void()>>;
  std::shared_ptr<Closers> m_closers = std::make_shared<Closers>();
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
  return Ok{};
}

void HttpServer::Impl::stop() {
  m_stopped = true;
  boost::system::error_code ignored;
  m_acceptor.close(ignored);
  // Closing may end sessions, which erase themselves: close from a copy.
  const Closers closers = *m_closers;
  for (const auto& [id, close] : closers) close();
}

transport::Task<void> HttpServer::Impl::accept_loop() {
  while (!m_stopped) {
    boost::system::error_code error;
    auto token = asio::redirect_error(asio::use_awaitable, error);
    tcp::socket socket = co_await m_acceptor.async_accept(token);
    if (m_stopped) break;
    if (error) continue;  // e.g. too many open files: try the next one
    asio::co_spawn(m_executor, session(std::move(socket)), asio::detached);
  }
}

transport::Task<void> HttpServer::Impl::session(tcp::socket socket) {
  const uint64_t id = ++m_next_session;
  struct Unregister {
    std::shared_ptr<Closers> closers;
    uint64_t id;
    ~Unregister() { closers->erase(id); }
  } unregister{m_closers, id};
  if (!m_tls) {
    beast::tcp_stream stream(std::move(socket));
    co_await serve(stream, id);
    co_return;
  }
  TlsStream stream(std::move(socket), *m_tls);
  (*m_closers)[id] = [&stream] { close_socket(beast::get_lowest_layer(stream)); };
  beast::get_lowest_layer(stream).expires_after(k_handshake_timeout);
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
  (*m_closers)[id] = [&tcp_layer] { close_socket(tcp_layer); };
  beast::flat_buffer buffer;
  while (!m_stopped) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(k_body_limit);
    tcp_layer.expires_after(k_read_timeout);
    boost::system::error_code error;
    auto read_token = asio::redirect_error(asio::use_awaitable, error);
    co_await http::async_read(stream, buffer, parser, read_token);
    if (error) break;
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
    tcp_layer.expires_after(k_read_timeout);
    auto write_token = asio::redirect_error(asio::use_awaitable, error);
    co_await http::async_write(stream, response, write_token);
    if (error || !response.keep_alive()) break;
  }
  close_socket(tcp_layer);
}

bool HttpServer::Impl::authorized(const Request& request) const {
  if (const auto it = request.find(http::field::authorization); it != request.end()) {
    if (const auto token = bearer_token(text_of(it->value()))) {
      if (tokens_equal(*token, m_token)) return true;
    }
  }
  if (const auto it = request.find(http::field::cookie); it != request.end()) {
    if (const auto token = cookie_value(text_of(it->value()), k_token_cookie)) {
      if (tokens_equal(*token, m_token)) return true;
    }
  }
  return false;
}

bool HttpServer::Impl::origin_allowed(const Request& request) const {
  const auto origin_it = request.find(http::field::origin);
  if (origin_it == request.end()) return true;  // not a browser's cross-site request
  const std::string origin = text_of(origin_it->value());
  const std::string port = std::to_string(m_port);
  std::vector<std::string> hosts = {m_address.authority(m_port)};
  if (m_address.is_loopback()) {
    hosts.push_back("127.0.0.1:" + port);
    hosts.push_back("localhost:" + port);
    hosts.push_back("[::1]:" + port);
  }
  if (m_address.host == "0.0.0.0" || m_address.host == "::") {
    // Any address of this machine: the origin must be the host the browser asked for.
    if (const auto host_it = request.find(http::field::host); host_it != request.end()) {
      const std::string host = text_of(host_it->value());
      if (host.size() > port.size() && host.substr(host.size() - port.size() - 1) == ":" + port) {
        hosts.push_back(host);
      }
    }
  }
  for (const std::string& host : hosts) {
    if (origin == scheme() + "://" + host) return true;
  }
  return false;
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
    if (!authorized(request)) {
      co_return error_response(401, "unauthorized",
                               "missing or wrong access token: open the URL that `dcinstall web` "
                               "printed (it carries the token)");
    }
    if (is_state_changing(api.method) && !origin_allowed(request)) {
      co_return error_response(403, "bad_origin",
                               "cross-origin request refused: Origin is not this server");
    }
    if (api.path == "/api/v1/events" && api.method == "GET") {
      is_events = true;
      co_return ApiResponse{};
    }
    ApiResponse response = co_await m_service.handle(api);
    co_return response;
  }
  co_return static_file(request, api);
}

ApiResponse HttpServer::Impl::static_file(const Request& request, const ApiRequest& api) const {
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
      response.headers.emplace_back("Set-Cookie", std::string(k_token_cookie) + "=" + m_token +
                                                      "; HttpOnly; SameSite=Strict; Path=/" +
                                                      (m_tls ? "; Secure" : ""));
      response.body = "see /\n";
      return response;
    }
  }
  (void)request;
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
  (*m_closers)[session_id] = [&tcp_layer, client] {
    client->close();
    close_socket(tcp_layer);
  };
  m_service.hub().subscribe(client, last_event_id);
  co_await client->pump(stream);
  m_service.hub().unsubscribe(client.get());
}

HttpServer::HttpServer(transport::Executor executor, ApiService& service, ListenAddress address,
                       std::string token, std::optional<TlsFiles> tls)
    : m_impl(std::make_unique<Impl>(executor, service, std::move(address), std::move(token),
                                    std::move(tls))) {}

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
