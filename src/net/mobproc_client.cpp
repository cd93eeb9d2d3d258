#include "xferd/net/mobproc_client.hpp"

#include "xferd/core/order.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/json/parse.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include <stdexcept>

namespace xferd {

namespace {

HttpsUrl must_parse(std::string_view url)
{
    auto parsed = parse_https_url(url);
    if (!parsed) throw std::invalid_argument(parsed.error().message);
    return *parsed;
}

std::string form_encode(std::initializer_list<std::pair<std::string_view, std::string_view>> pairs)
{
    std::string out;
    for (const auto& [k, v] : pairs) {
        if (!out.empty()) out += '&';
        out += boost::urls::encode(k, boost::urls::unreserved_chars);
        out += '=';
        out += boost::urls::encode(v, boost::urls::unreserved_chars);
    }
    return out;
}

asio::awaitable<void> sleep_for(std::chrono::milliseconds d)
{
    asio::steady_timer timer(co_await asio::this_coro::executor, d);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

std::string outcome_text(const HttpAttempt& a)
{
    if (a.outcome.kind == CallOutcome::Kind::answered) return "HTTP " + std::to_string(a.outcome.http_status);
    return a.error_text;
}

}  // namespace

MobprocClient::MobprocClient(asio::any_io_executor ex, const ApiConfig& api, std::shared_ptr<asio::ssl::context> tls,
                             LogFn log)
    : api_(api),
      base_(must_parse(api.base_url)),
      token_endpoint_(must_parse(api.token_url)),
      transport_(ex, std::move(tls), HttpsTimeouts{api.connect_timeout, api.tls_timeout, api.request_timeout},
                 api.concurrency + 4),
      log_(std::move(log)),
      schedule_{api.max_attempts, api.retry_base_delay, api.retry_max_delay},
      rng_(std::random_device{}()),
      token_changed_(ex)
{
}

asio::awaitable<Result<void>> MobprocClient::fetch_token(bool use_refresh_token)
{
    std::string body =
        use_refresh_token
            ? form_encode({{"grant_type", "refresh_token"}, {"client_id", api_.client_id},
                           {"client_secret", api_.client_secret}, {"scope", "MOBPROC"},
                           {"refresh_token", tokens_.refresh_token()}})
            : form_encode({{"grant_type", "password"}, {"client_id", api_.client_id},
                           {"client_secret", api_.client_secret}, {"scope", "MOBPROC"},
                           {"username", api_.username}, {"password", api_.password}});
    const char* grant = use_refresh_token ? "refresh" : "password";
    token_failure_transient_ = false;
    for (unsigned attempt = 1;; ++attempt) {
        http::request<http::string_body> req{http::verb::post, token_endpoint_.path, 11};
        req.set(http::field::content_type, "application/x-www-form-urlencoded");
        req.set(http::field::accept, "application/json");
        req.body() = body;
        ++token_requests_;
        HttpAttempt a = co_await transport_.request(token_endpoint_, std::move(req));
        Verdict v = classify(CallKind::idempotent, a.outcome);
        if (v == Verdict::done) {
            int status = a.outcome.http_status;
            if (status == 200) {
                boost::system::error_code ec;
                auto doc = boost::json::parse(a.response.body(), ec);
                const auto* obj = ec ? nullptr : doc.if_object();
                const auto* at = obj ? obj->if_contains("access_token") : nullptr;
                if (at && at->is_string()) {
                    TokenGrant g;
                    g.access_token = std::string(at->get_string());
                    if (const auto* rt = obj->if_contains("refresh_token"); rt && rt->is_string())
                        g.refresh_token = std::string(rt->get_string());
                    if (const auto* ex = obj->if_contains("expires_in"); ex && ex->is_number())
                        g.expires_in = std::chrono::seconds(ex->to_number<std::int64_t>());
                    else
                        g.expires_in = std::chrono::seconds(3600);
                    tokens_.store(g, TokenCache::clock::now());
                    note_success();
                    co_return Result<void>{};
                }
                co_return make_error(std::string("the token endpoint's answer to the ") + grant +
                                     " grant holds no access_token");
            }
            // The body may echo parameters back in odd servers; describe_api_error keeps only
            // the error code and description, never our request.
            co_return make_error(std::string("the token endpoint refused the ") + grant +
                                 " grant: " + describe_api_error(status, a.response.body()));
        }
        auto delay = v == Verdict::retry ? next_delay(schedule_, attempt, a.outcome.retry_after, rng_) : std::nullopt;
        if (!delay) {
            token_failure_transient_ = true;
            co_return make_error("cannot reach the token endpoint " + api_.token_url + ": " + outcome_text(a) +
                                 " (after " + std::to_string(attempt) + " attempts)");
        }
        log_("WARN", "token endpoint: " + outcome_text(a) + "; retrying in " + std::to_string(delay->count()) + " ms");
        co_await sleep_for(*delay);
    }
}

asio::awaitable<Result<std::string>> MobprocClient::access_token()
{
    for (;;) {
        auto next = tokens_.next(TokenCache::clock::now());
        if (next == TokenCache::Next::use)
            co_return Result<std::string>(boost::system::in_place_value, tokens_.access_token());
        if (token_fetch_in_flight_) {
            // One fetch for everyone: wait for its outcome.
            auto failures_before = token_failures_;
            co_await token_changed_.wait();
            if (token_failures_ != failures_before) co_return make_error(last_token_error_);
            continue;
        }
        token_fetch_in_flight_ = true;
        Result<void> r = make_error("");
        if (next == TokenCache::Next::refresh) {
            r = co_await fetch_token(true);
            if (!r) {
                log_("WARN", "token refresh failed (" + r.error().message + "); logging in again");
                tokens_.forget_refresh_token();
            }
        }
        if (!r) r = co_await fetch_token(false);
        token_fetch_in_flight_ = false;
        if (!r) {
            ++token_failures_;
            last_token_error_ = r.error().message;
            token_changed_.notify_all();
            co_return make_error(last_token_error_);
        }
        token_changed_.notify_all();
    }
}

asio::awaitable<Result<void>> MobprocClient::authenticate()
{
    auto t = co_await access_token();
    if (!t) co_return t.error();
    co_return Result<void>{};
}

asio::awaitable<ApiResponse> MobprocClient::call(CallKind kind, http::verb method, std::string target,
                                                 std::string body)
{
    ApiResponse out;
    bool refreshed_after_401 = false;
    for (unsigned attempt = 1;; ++attempt) {
        auto token = co_await access_token();
        if (!token) {
            if (token_failure_transient_ && co_await wait_out_outage()) continue;
            out.kind = ApiResponse::Kind::failed;
            out.message = "authentication failed: " + token.error().message;
            co_return out;
        }
        http::request<http::string_body> req{method, base_.path + target, 11};
        req.set(http::field::authorization, "Bearer " + *token);
        req.set("X-TNGO-TENANT", api_.tenant);
        req.set("client_id", api_.client_id);
        req.set(http::field::accept, "application/json");
        if (method == http::verb::post) {
            req.set(http::field::content_type, "application/json");
            req.body() = body;
        }
        out.attempts = attempt;
        HttpAttempt a = co_await transport_.request(base_, std::move(req));
        if (a.outcome.kind == CallOutcome::Kind::answered) {
            api_reached_ = true;
            if (is_token_error(a.outcome.http_status, a.response.body()) && !refreshed_after_401) {
                // Expired or revoked token: a fresh one and one more try (the first did nothing).
                refreshed_after_401 = true;
                tokens_.invalidate(*token);
                --attempt;
                continue;
            }
        }
        Verdict v = classify(kind, a.outcome);
        if (v == Verdict::done) {
            if (a.outcome.http_status < 500) note_success();
            out.kind = ApiResponse::Kind::answered;
            out.status = a.outcome.http_status;
            out.body = std::move(a.response.body());
            co_return out;
        }
        if (v == Verdict::in_doubt) {
            out.kind = ApiResponse::Kind::in_doubt;
            out.status = a.outcome.http_status;
            out.message = outcome_text(a) + " after the order was sent; it may or may not have been placed";
            co_return out;
        }
        auto delay = v == Verdict::retry ? next_delay(schedule_, attempt, a.outcome.retry_after, rng_) : std::nullopt;
        if (!delay && v == Verdict::retry && co_await wait_out_outage()) {
            attempt = 0;  // a fresh set of attempts once the API answers again
            continue;
        }
        if (!delay) {
            out.kind = ApiResponse::Kind::failed;
            out.status = a.outcome.http_status;
            out.body = std::move(a.response.body());
            out.message = outcome_text(a) + " (gave up after " + std::to_string(attempt) + " attempts)";
            co_return out;
        }
        co_await sleep_for(*delay);
    }
}

void MobprocClient::note_success()
{
    last_success_ = std::chrono::steady_clock::now();
    if (paused_) {
        paused_ = false;
        log_("INFO", "the API answers again: batch resumed");
    }
}

asio::awaitable<bool> MobprocClient::wait_out_outage()
{
    auto silent_for = std::chrono::steady_clock::now() - last_success_;
    if (stopping_ || silent_for < api_.outage_after) co_return false;
    if (!paused_) {
        paused_ = true;
        log_("ERROR", "API outage: no call has succeeded for " +
                          std::to_string(std::chrono::duration_cast<std::chrono::seconds>(silent_for).count()) +
                          " s; the batch is paused and resumes when the API answers (rows are not failed)");
    }
    co_await sleep_for(schedule_.max_delay);
    co_return !stopping_;
}

asio::awaitable<ApiResponse> MobprocClient::confirm_order(std::string order_request_json)
{
    return call(CallKind::idempotent, http::verb::post, "/orders?confirm=true", std::move(order_request_json));
}

asio::awaitable<ApiResponse> MobprocClient::submit_order(std::string order_request_json)
{
    return call(CallKind::submit, http::verb::post, "/orders", std::move(order_request_json));
}

asio::awaitable<ApiResponse> MobprocClient::get(std::string target)
{
    return call(CallKind::idempotent, http::verb::get, std::move(target), {});
}

}  // namespace xferd
