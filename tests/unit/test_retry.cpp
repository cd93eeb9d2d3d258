#include "xferd/core/retry.hpp"
#include "xferd/core/token_cache.hpp"

#include <boost/test/unit_test.hpp>

#include <sstream>

using namespace xferd;
using namespace std::chrono_literals;
using K = CallOutcome::Kind;

namespace {
CallOutcome answered(int status) { return {K::answered, status, true, std::nullopt}; }
CallOutcome failed(K kind, bool sent) { return {kind, 0, sent, std::nullopt}; }
}  // namespace

BOOST_AUTO_TEST_SUITE(retry_decisions)

// The table from docs/architecture.md § Exactly-once submission: error × method → retry / in doubt / done.
BOOST_AUTO_TEST_CASE(error_by_method_table)
{
    struct Case {
        CallOutcome outcome;
        Verdict idempotent;
        Verdict submit;
    };
    const Case table[] = {
        {answered(200), Verdict::done, Verdict::done},
        {answered(400), Verdict::done, Verdict::done},
        {answered(404), Verdict::done, Verdict::done},
        {answered(429), Verdict::retry, Verdict::retry},
        {answered(503), Verdict::retry, Verdict::retry},
        {answered(502), Verdict::retry, Verdict::in_doubt},
        {answered(504), Verdict::retry, Verdict::in_doubt},
        {answered(500), Verdict::retry, Verdict::in_doubt},
        {failed(K::connect_failed, false), Verdict::retry, Verdict::retry},
        {failed(K::tls_failed, false), Verdict::retry, Verdict::retry},
        {failed(K::write_failed, false), Verdict::retry, Verdict::retry},
        {failed(K::timed_out, false), Verdict::retry, Verdict::retry},
        {failed(K::timed_out, true), Verdict::retry, Verdict::in_doubt},
        {failed(K::connection_lost, true), Verdict::retry, Verdict::in_doubt},
        // Through a proxy, nothing reached the API: retried, unless the refusal is the same next time.
        {failed(K::proxy_failed, false), Verdict::retry, Verdict::retry},
        {{K::proxy_refused, 502, false, std::nullopt}, Verdict::retry, Verdict::retry},
        {{K::proxy_refused, 503, false, std::nullopt}, Verdict::retry, Verdict::retry},
        {{K::proxy_refused, 504, false, std::nullopt}, Verdict::retry, Verdict::retry},
        {{K::proxy_refused, 407, false, std::nullopt}, Verdict::give_up, Verdict::give_up},
        {{K::proxy_refused, 403, false, std::nullopt}, Verdict::give_up, Verdict::give_up},
    };
    for (const auto& c : table) {
        std::ostringstream what;
        what << "kind " << static_cast<int>(c.outcome.kind) << " status " << c.outcome.http_status << " sent "
             << c.outcome.request_sent;
        BOOST_TEST_CONTEXT(what.str())
        {
            BOOST_TEST(to_string(classify(CallKind::idempotent, c.outcome)) == to_string(c.idempotent));
            BOOST_TEST(to_string(classify(CallKind::submit, c.outcome)) == to_string(c.submit));
        }
    }
}

BOOST_AUTO_TEST_CASE(backoff_is_capped_jittered_and_stops_after_max_attempts)
{
    RetrySchedule s{5, 100ms, 1000ms};
    std::mt19937_64 rng(42);
    for (int i = 0; i < 200; ++i) {
        BOOST_TEST(next_delay(s, 1, std::nullopt, rng)->count() <= 100);
        BOOST_TEST(next_delay(s, 3, std::nullopt, rng)->count() <= 400);
        BOOST_TEST(next_delay(s, 4, std::nullopt, rng)->count() <= 800);
    }
    // Full jitter: the delays spread over the range rather than sitting at the cap.
    std::int64_t lo = 1'000'000, hi = 0;
    for (int i = 0; i < 200; ++i) {
        auto d = next_delay(s, 4, std::nullopt, rng)->count();
        lo = std::min(lo, d);
        hi = std::max(hi, d);
    }
    BOOST_TEST(lo < 200);
    BOOST_TEST(hi > 600);
    BOOST_TEST(!next_delay(s, 5, std::nullopt, rng).has_value());
    BOOST_TEST(!next_delay(RetrySchedule{1, 100ms, 1s}, 1, std::nullopt, rng).has_value());
}

BOOST_AUTO_TEST_CASE(retry_after_is_a_floor_and_is_capped)
{
    RetrySchedule s{5, 100ms, 1000ms};
    std::mt19937_64 rng(7);
    BOOST_TEST(next_delay(s, 1, 3s, rng)->count() == 3000);
    BOOST_TEST(next_delay(s, 1, std::chrono::seconds(3600), rng)->count() == 60'000);  // the default cap
    s.max_retry_after = 5s;
    BOOST_TEST(next_delay(s, 1, std::chrono::seconds(3600), rng)->count() == 5'000);
    BOOST_TEST(parse_retry_after(" 7 ").value().count() == 7);
    BOOST_TEST(!parse_retry_after("Wed, 21 Oct 2026 07:28:00 GMT").has_value());
    BOOST_TEST(!parse_retry_after("").has_value());
    BOOST_TEST(!parse_retry_after("-1").has_value());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(token_cache)

BOOST_AUTO_TEST_CASE(first_use_logs_in_then_uses_then_refreshes_at_80_percent)
{
    TokenCache c;
    auto t0 = TokenCache::clock::now();
    BOOST_TEST((c.next(t0) == TokenCache::Next::password));
    c.store({"access-1", "refresh-1", 100s}, t0);
    BOOST_TEST((c.next(t0 + 79s) == TokenCache::Next::use));
    BOOST_TEST((c.next(t0 + 80s) == TokenCache::Next::refresh));
    c.store({"access-2", "refresh-2", 100s}, t0 + 80s);
    BOOST_TEST(c.refresh_token() == "refresh-2");  // rotation: the newest is kept
    c.store({"access-3", "", 100s}, t0 + 90s);
    BOOST_TEST(c.refresh_token() == "refresh-2");  // an answer without one keeps the last
}

BOOST_AUTO_TEST_CASE(a_token_that_expires_at_once_is_kept_for_the_minimum_lifetime)
{
    TokenCache c;
    auto t0 = TokenCache::clock::now();
    BOOST_TEST(!c.store({"access-1", "refresh-1", 0s}, t0), "expires_in 0 is floored");
    BOOST_TEST((c.next(t0 + 9s) == TokenCache::Next::use));
    BOOST_TEST((c.next(t0 + 10s) == TokenCache::Next::refresh));
    BOOST_TEST(!c.store({"access-2", "", -5s}, t0 + 10s), "a negative lifetime too");
    BOOST_TEST((c.next(t0 + 19s) == TokenCache::Next::use));
    BOOST_TEST(c.store({"access-3", "", 3600s}, t0 + 20s), "a normal lifetime is not floored");
}

BOOST_AUTO_TEST_CASE(tokens_refused_as_soon_as_granted_space_the_next_fetches_out)
{
    TokenCache c;
    auto t = TokenCache::clock::now();
    c.store({"a0", "", 3600s}, t);
    BOOST_TEST((c.fetch_delay(t) == TokenCache::clock::duration::zero()), "the first fetch waits for nothing");
    c.invalidate("a0");
    c.store({"a1", "", 3600s}, t);  // refused at once, fetched again at once
    BOOST_TEST((c.fetch_delay(t) == std::chrono::seconds(1)));
    std::vector<long> waits;
    for (int i = 2; i < 12; ++i) {
        t += c.fetch_delay(t);  // waits, fetches, and the server refuses the new token at once
        c.invalidate("a" + std::to_string(i - 1));
        c.store({"a" + std::to_string(i), "", 3600s}, t);
        waits.push_back(std::chrono::duration_cast<std::chrono::seconds>(c.fetch_delay(t)).count());
    }
    BOOST_TEST(waits == (std::vector<long>{2, 4, 8, 16, 32, 60, 60, 60, 60, 60}), "doubling, capped at 60 s");
    // A token that was not refused and lived long enough resets the backoff.
    t += std::chrono::seconds(60);
    c.store({"a12", "", 3600s}, t);
    t += std::chrono::seconds(11);
    c.store({"b", "", 3600s}, t);
    BOOST_TEST((c.fetch_delay(t) == TokenCache::clock::duration::zero()));
}

BOOST_AUTO_TEST_CASE(invalidate_only_forgets_the_current_token)
{
    TokenCache c;
    auto t0 = TokenCache::clock::now();
    c.store({"access-1", "refresh-1", 100s}, t0);
    c.store({"access-2", "refresh-2", 100s}, t0);
    BOOST_TEST(!c.invalidate("access-1"));  // a stale 401: someone already refreshed
    BOOST_TEST((c.next(t0) == TokenCache::Next::use));
    BOOST_TEST(c.invalidate("access-2"));
    BOOST_TEST((c.next(t0) == TokenCache::Next::refresh));
    c.forget_refresh_token();
    BOOST_TEST((c.next(t0) == TokenCache::Next::password));
}

BOOST_AUTO_TEST_SUITE_END()
