// MobprocClient's access tokens: one fetch in flight for every waiting call, a refresh that falls
// back to the password grant, lifetimes floored and fetches of tokens refused at once spaced out
// (TokenCache decides; this waits, cancellably, and says so).
#include "xferd/net/mobproc_client.hpp"
#include "xferd/net/task_group.hpp"

#include "xferd/core/order.hpp"

#include <boost/json/parse.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

namespace xferd {

namespace {

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

std::string seconds_text(std::chrono::steady_clock::duration d)
{
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
    return std::to_string((ms + 999) / 1000) + " s";
}

}  // namespace

Result<void> MobprocClient::take_token_answer(const HttpAttempt& a, TokenGrantType grant)
{
    const char* name = grant == TokenGrantType::refresh_token ? "refresh" : "password";
    const int status = a.outcome.http_status;
    if (status != 200) {
        if (metrics_) metrics_->token_request(grant, TokenResult::refused);
        // describe_api_error keeps only the error code and description, never our request.
        return make_error(ErrorKind::auth, std::string("the token endpoint refused the ") + name +
                          " grant: " + describe_api_error(status, a.response.body()));
    }
    boost::system::error_code ec;
    auto doc = boost::json::parse(a.response.body(), ec);
    const auto* obj = ec ? nullptr : doc.if_object();
    const auto* at = obj ? obj->if_contains("access_token") : nullptr;
    if (!at || !at->is_string()) {
        if (metrics_) metrics_->token_request(grant, TokenResult::refused);
        return make_error(ErrorKind::auth,
                          std::string("the token endpoint's answer to the ") + name + " grant holds no access_token");
    }
    TokenGrant g;
    g.access_token = std::string(at->get_string());
    if (const auto* rt = obj->if_contains("refresh_token"); rt && rt->is_string())
        g.refresh_token = std::string(rt->get_string());
    g.expires_in = std::chrono::seconds(3600);
    if (const auto* ex = obj->if_contains("expires_in"); ex && ex->is_number()) {
        boost::system::error_code nec;
        auto secs = ex->to_number<double>(nec);
        if (!nec) g.expires_in = std::chrono::seconds(static_cast<std::int64_t>(std::clamp(secs, -1e9, 1e9)));
    }
    if (!tokens_.store(g, TokenCache::clock::now()))
        log_("WARN", "the token endpoint granted a token that expires in " + std::to_string(g.expires_in.count()) +
                         " s; xferd uses it for " + std::to_string(TokenCache::min_lifetime.count()) +
                         " s before asking for another");
    if (metrics_) metrics_->token_request(grant, TokenResult::ok);
    note_success();
    return {};
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
    const auto grant = use_refresh_token ? TokenGrantType::refresh_token : TokenGrantType::password;
    for (unsigned attempt = 1;; ++attempt) {
        http::request<http::string_body> req{http::verb::post, token_endpoint_.path, 11};
        req.set(http::field::content_type, "application/x-www-form-urlencoded");
        req.set(http::field::accept, "application/json");
        req.body() = body;
        ++token_requests_;
        const auto started = std::chrono::steady_clock::now();
        // Other batches may be waiting for this token: a stop of this one (total) does not cut it.
        auto exchange = transport_.request(token_endpoint_, std::move(req), token_proxy_ ? &*token_proxy_ : nullptr);
        HttpAttempt a = co_await terminal_only(std::move(exchange));
        count(ApiEndpoint::token, a, started);
        last_token_outcome_ = a.outcome;
        Verdict v = classify(CallKind::idempotent, a.outcome);
        if (v == Verdict::done) co_return take_token_answer(a, grant);
        const std::string what = a.outcome.kind == CallOutcome::Kind::answered
                                     ? "HTTP " + std::to_string(a.outcome.http_status)
                                     : a.error_text;
        if (v == Verdict::give_up) {  // the proxy refuses: the same next time, not an outage
            if (metrics_) metrics_->token_request(grant, TokenResult::unreachable);
            co_return make_error(ErrorKind::config, "cannot reach the token endpoint " + api_.token_url + ": " + what);
        }
        auto delay = next_delay(schedule_, attempt, a.outcome.retry_after, rng_);
        if (!delay) {
            if (metrics_) metrics_->token_request(grant, TokenResult::unreachable);
            // transient: the caller waits the outage out (api.outage_after) before giving up.
            co_return make_error(ErrorKind::transient, "cannot reach the token endpoint " + api_.token_url + ": " + what + " (after " +
                                 std::to_string(attempt) + " attempts)");
        }
        log_("WARN", "token endpoint: " + what + "; retrying in " + std::to_string(delay->count()) + " ms");
        if (metrics_) metrics_->api_retry(ApiEndpoint::token);
        if (!co_await cancellable_sleep(*delay)) co_return make_error("stopped while waiting for the token endpoint");
    }
}

asio::awaitable<Result<void>> MobprocClient::fetch_token_spaced(TokenCache::Next next)
{
    const auto wait = tokens_.fetch_delay(TokenCache::clock::now());
    if (wait > TokenCache::clock::duration::zero()) {
        log_("WARN", "the API refused " + std::to_string(tokens_.quick_fetches()) +
                         " tokens in a row right after they were granted; waiting " + seconds_text(wait) +
                         " before asking for another (check api.tenant and api.client_id)");
        if (!co_await cancellable_sleep(wait)) co_return make_error("stopped before a new token was fetched");
    }
    Result<void> r = make_error("");
    if (next == TokenCache::Next::refresh) {
        r = co_await fetch_token(true);
        if (!r) {
            log_("WARN", "token refresh failed (" + r.error().message + "); logging in again");
            tokens_.forget_refresh_token();
        }
    }
    const bool stopping = co_await coroutine_stop_asked();
    if (!r && !stopping) r = co_await fetch_token(false);
    co_return r;
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
            if (token_failures_ != failures_before) co_return last_token_error_;
            if (co_await coroutine_stop_asked()) co_return make_error("stopped while waiting for a token");
            continue;
        }
        token_fetch_in_flight_ = true;
        Result<void> r = co_await fetch_token_spaced(next);
        token_fetch_in_flight_ = false;
        const bool stopping = co_await coroutine_stop_asked();
        if (!r && stopping) {
            // This batch stopped: not the endpoint's failure. A batch still waiting fetches anew.
            token_changed_.notify_all();
            co_return r.error();
        }
        if (!r) {
            ++token_failures_;
            last_token_error_ = r.error();
            token_changed_.notify_all();
            co_return last_token_error_;
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

}  // namespace xferd
