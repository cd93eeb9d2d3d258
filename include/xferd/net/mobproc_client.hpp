// The MobProc API as xferd uses it: required headers, bearer tokens (one refresh in flight for
// every waiting row; a 401 refreshes and retries once; tokens refused as soon as granted space
// the next fetch out), api.rate_limit (slowed down after a 429), and retries as the pure policy
// says, each call bounded by api.row_deadline. One client may serve several batches: a stop is
// not the client's but the calling coroutine's (its cancellation slot, see task_group.hpp). A
// total cancellation ends the call's waits at once and starts no new request; only a terminal one
// cuts an HTTP exchange under way.
#pragma once

#include "xferd/core/config.hpp"
#include "xferd/core/rate_limiter.hpp"
#include "xferd/core/send_pacing.hpp"
#include "xferd/core/retry.hpp"
#include "xferd/core/token_cache.hpp"
#include "xferd/core/xferd_metrics.hpp"
#include "xferd/net/async_primitives.hpp"
#include "xferd/net/https_transport.hpp"

#include <boost/asio/awaitable.hpp>

#include <functional>
#include <random>
#include <string>

namespace xferd {

struct ApiResponse {
    enum class Kind {
        answered,  // an HTTP answer to act on (any status; see status/body)
        in_doubt,  // a submit may have been processed: do not resend, reconcile
        failed,    // no usable answer after the allowed attempts (see message)
    };
    Kind kind = Kind::failed;
    int status = 0;
    std::string body;
    std::string message;   // for failed / in_doubt: what happened, for a person
    unsigned attempts = 0;
    // How the last attempt ended (failed: a transport error, or an HTTP status when answered).
    CallOutcome::Kind last_outcome = CallOutcome::Kind::answered;
    bool authentication_failed = false;  // failed because no token could be had
    // Failed because no call has succeeded for api.outage_limit: the API is down, the row was not
    // decided (the batch stops and is taken again at the next run).
    bool api_down = false;
    [[nodiscard]] bool ok() const { return kind == Kind::answered && status >= 200 && status < 300; }
};

using LogFn = std::function<void(std::string_view level, std::string_view message)>;

class MobprocClient {
public:
    MobprocClient(asio::any_io_executor ex, const ApiConfig& api, std::shared_ptr<asio::ssl::context> tls,
                  LogFn log);

    // POST /orders?confirm=true (idempotent, retried).
    asio::awaitable<ApiResponse> confirm_order(std::string order_request_json);
    // POST /orders (retried only when provably not processed).
    asio::awaitable<ApiResponse> submit_order(std::string order_request_json);
    // GET base_url + target (retried).
    asio::awaitable<ApiResponse> get(std::string target);

    // Makes sure a token is at hand (logs in if needed). Error: why authentication failed.
    asio::awaitable<Result<void>> authenticate();

    // Counters move for every attempt, retry and token request; nullptr: none.
    void set_metrics(XferdMetrics* metrics) { metrics_ = metrics; }

    [[nodiscard]] std::size_t connections_opened() const { return transport_.connections_opened(); }
    [[nodiscard]] unsigned token_requests() const { return token_requests_; }
    // True once any API call got an HTTP answer (so "the API could not be reached" is false).
    [[nodiscard]] bool api_reached() const { return api_reached_; }

    [[nodiscard]] std::chrono::milliseconds reconcile_delay() const { return api_.reconcile_delay; }
    // How the latest token request ended (a proxy's refusal, the endpoint unreachable, an answer).
    [[nodiscard]] const CallOutcome& last_token_outcome() const { return last_token_outcome_; }

private:
    struct Call;
    asio::awaitable<ApiResponse> call(CallKind kind, ApiEndpoint endpoint, http::verb method, std::string target,
                                      std::string body);
    asio::awaitable<HttpAttempt> send(Call& c, const std::string& token);
    asio::awaitable<Result<std::string>> access_token();
    asio::awaitable<Result<void>> fetch_token(bool use_refresh_token);
    asio::awaitable<Result<void>> fetch_token_spaced(TokenCache::Next next);
    Result<void> take_token_answer(const HttpAttempt& a, TokenGrantType grant);
    // Retries are used up: during an API outage wait and go on (waited), else give up: not in an
    // outage (no_outage), stopped, or the outage has outlasted api.outage_limit (too_long).
    enum class OutageWait { waited, no_outage, stopped, too_long };
    asio::awaitable<OutageWait> wait_out_outage();
    void mark_api_down(ApiResponse& out) const;
    bool ends_call(Verdict v, HttpAttempt& a, ApiResponse& out);
    void note_success();
    void count(ApiEndpoint endpoint, const HttpAttempt& a, std::chrono::steady_clock::time_point started);

    ApiConfig api_;
    HttpsUrl base_;
    HttpsUrl token_endpoint_;
    std::optional<ProxyRoute> base_proxy_;   // each host decided on its own (NO_PROXY)
    std::optional<ProxyRoute> token_proxy_;
    HttpsTransport transport_;
    LogFn log_;
    RetrySchedule schedule_;
    std::mt19937_64 rng_;
    RateLimiter limiter_;
    SendPacing pacing_;   // spreads bursts of calls (see send_pacing.hpp)
    std::size_t in_flight_ = 0;   // exchanges under way, whoever started them
    XferdMetrics* metrics_ = nullptr;

    TokenCache tokens_;
    bool token_fetch_in_flight_ = false;
    std::uint64_t token_failures_ = 0;
    Error last_token_error_;   // what the last failed fetch said, for those who waited on it
    CallOutcome last_token_outcome_;
    AsyncCondition token_changed_;
    unsigned token_requests_ = 0;
    bool api_reached_ = false;
    bool paused_ = false;                   // in an outage: logged once, cleared on success
    std::chrono::steady_clock::time_point last_success_ = std::chrono::steady_clock::now();
};

}  // namespace xferd
