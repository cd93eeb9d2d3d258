#include "xferd/net/mobproc_client.hpp"

#include "xferd/core/order.hpp"
#include "xferd/net/task_group.hpp"

#include <stdexcept>

namespace xferd {

namespace {

HttpsUrl must_parse(std::string_view url)
{
    auto parsed = parse_https_url(url);
    if (!parsed) throw std::invalid_argument(parsed.error().message);
    return *parsed;
}

std::string outcome_text(const HttpAttempt& a)
{
    if (a.outcome.kind == CallOutcome::Kind::answered) return "HTTP " + std::to_string(a.outcome.http_status);
    return a.error_text;
}

std::string duration_text(std::chrono::milliseconds d)
{
    if (d.count() % 60'000 == 0) return std::to_string(d.count() / 60'000) + " min";
    if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + " s";
    return std::to_string(d.count()) + " ms";
}

}  // namespace

struct MobprocClient::Call {
    CallKind kind;
    ApiEndpoint endpoint;
    http::verb method;
    std::string target;
    std::string body;
};

MobprocClient::MobprocClient(asio::any_io_executor ex, const ApiConfig& api, std::shared_ptr<asio::ssl::context> tls,
                             LogFn log)
    : api_(api),
      base_(must_parse(api.base_url)),
      token_endpoint_(must_parse(api.token_url)),
      base_proxy_(proxy_route_to(api, base_.host)),
      token_proxy_(proxy_route_to(api, token_endpoint_.host)),
      transport_(ex, std::move(tls), HttpsTimeouts{api.connect_timeout, api.tls_timeout, api.request_timeout},
                 api.concurrency + 4, HttpsLimits{api.max_response_bytes}),
      log_(std::move(log)),
      schedule_{api.max_attempts, api.retry_base_delay, api.retry_max_delay, api.max_retry_after},
      rng_(std::random_device{}()),
      limiter_(api.rate_limit),
      pacing_(api.concurrency),
      token_changed_(ex)
{
}

void MobprocClient::count(ApiEndpoint endpoint, const HttpAttempt& a, std::chrono::steady_clock::time_point started)
{
    if (!metrics_) return;
    metrics_->api_request(endpoint, a.outcome,
                          std::chrono::duration<double>(std::chrono::steady_clock::now() - started));
}

asio::awaitable<HttpAttempt> MobprocClient::send(Call& c, const std::string& token)
{
    http::request<http::string_body> req{c.method, base_.path + c.target, 11};
    req.set(http::field::authorization, "Bearer " + token);
    req.set("X-TNGO-TENANT", api_.tenant);
    req.set("client_id", api_.client_id);
    req.set(http::field::accept, "application/json");
    if (c.method == http::verb::post) {
        req.set(http::field::content_type, "application/json");
        req.body() = c.body;
    }
    const auto started = std::chrono::steady_clock::now();
    // A stop (total) lets an exchange that has begun finish: a submit cut here would be in doubt.
    auto exchange = transport_.request(base_, std::move(req), base_proxy_ ? &*base_proxy_ : nullptr);
    ++in_flight_;
    struct Landed {
        std::size_t& n;
        ~Landed() { --n; }
    } landed{in_flight_};
    HttpAttempt a = co_await terminal_only(std::move(exchange));
    count(c.endpoint, a, started);
    if (a.outcome.kind == CallOutcome::Kind::answered) {
        const auto ended = std::chrono::steady_clock::now();
        pacing_.answered(ended, ended - started);
    }
    if (a.headers_received) api_reached_ = true;  // the API itself, not the token endpoint
    if (a.outcome.kind == CallOutcome::Kind::answered && a.outcome.http_status == 429) {
        // Everyone slows down, not only this call.
        std::chrono::milliseconds pause = a.outcome.retry_after.value_or(std::chrono::seconds(1));
        limiter_.throttled(std::chrono::steady_clock::now(), std::min(pause, api_.max_retry_after));
    }
    co_return a;
}

asio::awaitable<ApiResponse> MobprocClient::call(CallKind kind, ApiEndpoint endpoint, http::verb method,
                                                 std::string target, std::string body)
{
    using clock = std::chrono::steady_clock;
    Call c{kind, endpoint, method, std::move(target), std::move(body)};
    ApiResponse out;
    bool refreshed_after_401 = false;
    auto deadline = clock::now() + api_.row_deadline;  // time paused in an outage is not counted
    for (unsigned attempt = 1;; ++attempt) {
        auto token = co_await access_token();
        if (!token) {
            // A named bool, not the test inside `?:` around a co_await: GCC 12 crashes on that.
            const bool unreachable = token.error().is(ErrorKind::transient);
            auto w = OutageWait::no_outage;
            if (unreachable) w = co_await wait_out_outage();
            if (w == OutageWait::waited) {
                deadline = clock::now() + api_.row_deadline;
                continue;
            }
            if (w == OutageWait::too_long) {
                mark_api_down(out);
                co_return out;
            }
            out.authentication_failed = true;
            out.last_outcome = last_token_outcome_.kind;  // a proxy in the way is not a credentials problem
            out.status = last_token_outcome_.http_status;
            out.message = "authentication failed: " + token.error().message;
            co_return out;
        }
        bool waited = true;
        for (;;) {   // a 429's pause began while this call waited, over its slot: it books again
            const auto throttles = limiter_.throttles();
            const auto slot = limiter_.reserve(clock::now(), pacing_.spacing(in_flight_ + 1));
            if (slot > clock::now()) waited = co_await cancellable_sleep(slot - clock::now());
            if (!waited || limiter_.throttles() == throttles || slot >= limiter_.paused_until()) break;
        }
        const bool stopping = co_await coroutine_stop_asked();
        if (!waited || stopping) {   // a stop: no new request starts
            out.message = "stopped before the call was sent";
            co_return out;
        }
        out.attempts = attempt;
        HttpAttempt a = co_await send(c, *token);
        out.last_outcome = a.outcome.kind;
        out.status = a.outcome.http_status;
        if (a.outcome.kind == CallOutcome::Kind::answered && !refreshed_after_401 &&
            is_token_error(a.outcome.http_status, a.response.body())) {
            // Expired or revoked token: a fresh one and one more try (the first did nothing).
            refreshed_after_401 = true;
            tokens_.invalidate(*token);
            --attempt;
            continue;
        }
        if (ends_call(classify(kind, a.outcome), a, out)) co_return out;
        auto delay = next_delay(schedule_, attempt, a.outcome.retry_after, rng_);
        if (!delay) {
            const auto w = co_await wait_out_outage();
            if (w == OutageWait::waited) {
                attempt = 0;  // a fresh set of attempts once the API answers again
                deadline = clock::now() + api_.row_deadline;
                continue;
            }
            if (w == OutageWait::too_long) {
                mark_api_down(out);
                co_return out;
            }
        }
        out.body = std::move(a.response.body());
        if (!delay) {
            out.message = outcome_text(a) + " (gave up after " + std::to_string(attempt) + " attempts)";
            co_return out;
        }
        if (clock::now() + *delay > deadline) {
            out.message = outcome_text(a) + " (gave up after " + std::to_string(attempt) +
                          " attempts: api.row_deadline of " + duration_text(api_.row_deadline) + " reached)";
            co_return out;
        }
        if (metrics_) metrics_->api_retry(endpoint);
        if (!co_await cancellable_sleep(*delay)) {
            out.message = outcome_text(a) + " (stopped while waiting to retry)";
            co_return out;
        }
    }
}

// The attempt settles the call (an answer to act on, a refusal, or a submit in doubt): fills `out`.
bool MobprocClient::ends_call(Verdict v, HttpAttempt& a, ApiResponse& out)
{
    switch (v) {
    case Verdict::done:
        if (a.outcome.http_status < 500) note_success();
        out.kind = ApiResponse::Kind::answered;
        out.body = std::move(a.response.body());
        return true;
    case Verdict::give_up: out.message = outcome_text(a); return true;
    case Verdict::in_doubt:
        out.kind = ApiResponse::Kind::in_doubt;
        out.message = outcome_text(a) + " after the order was sent; it may or may not have been placed";
        return true;
    case Verdict::retry: break;
    }
    return false;
}

void MobprocClient::note_success()
{
    last_success_ = std::chrono::steady_clock::now();
    if (paused_) {
        paused_ = false;
        log_("INFO", "the API answers again: batch resumed");
    }
}

asio::awaitable<MobprocClient::OutageWait> MobprocClient::wait_out_outage()
{
    const auto silent_for =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - last_success_);
    if (co_await coroutine_stop_asked()) co_return OutageWait::stopped;
    if (silent_for < api_.outage_after) co_return OutageWait::no_outage;
    const bool limited = api_.outage_limit.count() != 0;
    if (limited && silent_for >= api_.outage_limit) co_return OutageWait::too_long;
    if (!paused_) {
        paused_ = true;
        const auto shown =
            silent_for < std::chrono::seconds(1) ? silent_for : std::chrono::duration_cast<std::chrono::seconds>(silent_for);
        log_("ERROR", "API outage: no call has succeeded for " + duration_text(shown) +
                          "; the batch is paused and resumes when the API answers (rows are not failed)" +
                          (limited ? "; after api.outage_limit (" + duration_text(api_.outage_limit) +
                                         ") it stops and is taken again at the next run"
                                   : std::string()));
    }
    auto wait = schedule_.max_delay;
    if (limited) wait = std::min(wait, api_.outage_limit - silent_for);
    co_return co_await cancellable_sleep(wait) ? OutageWait::waited : OutageWait::stopped;
}

void MobprocClient::mark_api_down(ApiResponse& out) const
{
    out.api_down = true;
    out.message = "the API has not answered for " + duration_text(api_.outage_limit) +
                  " (api.outage_limit): the batch stops here and is taken again at the next run";
}

asio::awaitable<ApiResponse> MobprocClient::confirm_order(std::string order_request_json)
{
    return call(CallKind::idempotent, ApiEndpoint::confirm, http::verb::post, "/orders?confirm=true",
                std::move(order_request_json));
}

asio::awaitable<ApiResponse> MobprocClient::submit_order(std::string order_request_json)
{
    return call(CallKind::submit, ApiEndpoint::submit, http::verb::post, "/orders", std::move(order_request_json));
}

asio::awaitable<ApiResponse> MobprocClient::get(std::string target)
{
    return call(CallKind::idempotent, ApiEndpoint::lookup, http::verb::get, std::move(target), {});
}

}  // namespace xferd
