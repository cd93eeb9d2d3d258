#include "xferd/core/retry.hpp"

#include <algorithm>
#include <charconv>

namespace xferd {

std::string_view to_string(Verdict v)
{
    switch (v) {
    case Verdict::done: return "done";
    case Verdict::retry: return "retry";
    case Verdict::in_doubt: return "in doubt";
    case Verdict::give_up: return "give up";
    }
    return "?";
}

bool is_retryable_status(int http_status, CallKind kind)
{
    // 429 and 503 say the request was not processed. A 500 is the server failing, not its answer
    // about the row; 502 and 504 come from a gateway. Each may have passed a submit on: only
    // idempotent calls may repeat after them.
    if (http_status == 429 || http_status == 503) return true;
    if (kind == CallKind::idempotent) return http_status == 500 || http_status == 502 || http_status == 504;
    return false;
}

Verdict classify(CallKind kind, const CallOutcome& o)
{
    using K = CallOutcome::Kind;
    switch (o.kind) {
    case K::answered:
        if (is_retryable_status(o.http_status, kind)) return Verdict::retry;
        if (kind == CallKind::submit && (o.http_status == 502 || o.http_status == 504 || o.http_status == 500))
            return Verdict::in_doubt;
        return Verdict::done;
    case K::connect_failed:
    case K::tls_failed:
        return Verdict::retry;  // nothing left this machine
    case K::write_failed:
        // A request never fully written cannot have been processed.
        return Verdict::retry;
    case K::timed_out:
    case K::connection_lost:
        if (kind == CallKind::idempotent || !o.request_sent) return Verdict::retry;
        return Verdict::in_doubt;
    case K::proxy_failed:
        return Verdict::retry;  // the proxy is down or confused: nothing reached the API
    case K::proxy_refused:
        // The proxy cannot reach the API now (502, 503, 504): later it may. A refusal of our
        // credentials or of the destination is the same next time, and repeating wrong proxy
        // credentials can lock the account.
        if (o.http_status == 502 || o.http_status == 503 || o.http_status == 504) return Verdict::retry;
        return Verdict::give_up;
    }
    return Verdict::retry;  // not reached: every kind is handled above
}

std::optional<std::chrono::milliseconds> next_delay(const RetrySchedule& s, unsigned attempt,
                                                    std::optional<std::chrono::seconds> retry_after,
                                                    std::mt19937_64& rng)
{
    using std::chrono::milliseconds;
    if (attempt >= s.max_attempts) return std::nullopt;
    auto shift = std::min(attempt - 1, 20u);
    auto ceiling = std::min<std::int64_t>(s.max_delay.count(), s.base_delay.count() << shift);
    std::uniform_int_distribution<std::int64_t> pick(0, std::max<std::int64_t>(ceiling, 0));
    milliseconds delay{pick(rng)};
    if (retry_after) {
        milliseconds floor = std::min<milliseconds>(*retry_after, s.max_retry_after);
        delay = std::max(delay, floor);
    }
    return delay;
}

std::optional<std::chrono::seconds> parse_retry_after(std::string_view header)
{
    while (!header.empty() && header.front() == ' ') header.remove_prefix(1);
    while (!header.empty() && header.back() == ' ') header.remove_suffix(1);
    long long secs = 0;
    auto [end, ec] = std::from_chars(header.data(), header.data() + header.size(), secs);
    if (ec != std::errc{} || end != header.data() + header.size() || secs < 0) return std::nullopt;
    return std::chrono::seconds(secs);
}

}  // namespace xferd
