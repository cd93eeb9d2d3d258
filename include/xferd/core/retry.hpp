// Retry decisions (docs/architecture.md § Exactly-once submission, docs/mobproc-api.md § Errors and retries). Pure: the
// client tells what happened, this says retry / in doubt / fail and how long to wait.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string_view>

namespace xferd {

enum class CallKind {
    idempotent,  // confirm=true and every GET: no side effects, safe to repeat
    submit,      // POST /orders: creates an order; repeat only when provably not processed
};

// Where a call ended. `request_sent` is true once the whole request was written to the socket.
struct CallOutcome {
    enum class Kind {
        answered,          // an HTTP status came back (see http_status)
        connect_failed,    // TCP connect / DNS failed: nothing was sent
        tls_failed,        // TLS handshake failed: nothing was sent
        write_failed,      // the request could not be written completely
        timed_out,         // our deadline passed
        connection_lost,   // reset / EOF while waiting for the answer
        proxy_failed,      // the proxy could not be reached or did not answer CONNECT sensibly: nothing was sent
        proxy_refused,     // the proxy answered CONNECT with a refusal (its status in http_status): nothing was sent
    };
    Kind kind = Kind::answered;
    int http_status = 0;
    bool request_sent = false;
    std::optional<std::chrono::seconds> retry_after;
};

enum class Verdict {
    done,      // answered with a status the caller handles (2xx, 4xx other than 429…)
    retry,     // try again after a delay
    in_doubt,  // a submit may or may not have been processed: reconcile, never resend blindly
    give_up,   // nothing was sent and asking again cannot help (the proxy refuses: 407, 403)
};

std::string_view to_string(Verdict v);

// Statuses that say "try later". 429 and 503: not processed, safe to retry even for a submit.
// 500, 502, 504: a server or gateway error, retried for idempotent calls only.
bool is_retryable_status(int http_status, CallKind kind);

Verdict classify(CallKind kind, const CallOutcome& outcome);

struct RetrySchedule {
    unsigned max_attempts = 6;  // total tries, the first included; 1 disables retries
    std::chrono::milliseconds base_delay{200};
    std::chrono::milliseconds max_delay{10'000};
    // A longer Retry-After is not obeyed: the call waits this cap (one attempt used, as always).
    std::chrono::milliseconds max_retry_after{60'000};
};

// Delay before attempt `attempt + 1` (attempt counts from 1), or nullopt when out of attempts.
// Capped exponential backoff with full jitter (uniform in [0, min(max, base·2^(attempt-1))]);
// a Retry-After from the server is honoured as a floor, capped at schedule.max_retry_after.
std::optional<std::chrono::milliseconds> next_delay(const RetrySchedule& schedule, unsigned attempt,
                                                    std::optional<std::chrono::seconds> retry_after,
                                                    std::mt19937_64& rng);

// Retry-After in seconds (the delta-seconds form; an HTTP date is treated as absent).
std::optional<std::chrono::seconds> parse_retry_after(std::string_view header);

}  // namespace xferd
