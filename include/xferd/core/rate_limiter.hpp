// api.rate_limit as a pacing schedule (pure, clock passed in): calls are spaced 1/rate apart
// (or more, when the caller asks for a wider spacing: see send_pacing.hpp),
// and a 429 from the API slows everyone down: all calls wait out its Retry-After (capped by the
// caller) and the rate halves, down to 1/16 of the configured one; it climbs back by a quarter
// for every recover_after without a 429. With no configured rate, a 429 only pauses.
#pragma once

#include <chrono>

namespace xferd {

class RateLimiter {
public:
    using clock = std::chrono::steady_clock;
    static constexpr std::chrono::seconds recover_after{5};

    explicit RateLimiter(double per_second) : configured_(per_second), current_(per_second) {}

    // Books the next slot for one call: when it may be sent (`now` or later), at least 1/rate and
    // at least `at_least` after the slot booked before it. The spacing is the one asked now, not
    // the one in force when the call before was booked.
    clock::time_point reserve(clock::time_point now, clock::duration at_least = clock::duration::zero());
    // The API answered 429 at `now`; nobody sends before now + pause.
    void throttled(clock::time_point now, clock::duration pause);

    [[nodiscard]] double current_rate() const { return current_; }
    // Counts the 429s: a call that waited for its slot books again if one came meanwhile.
    [[nodiscard]] unsigned long throttles() const { return throttles_; }
    // Nobody sends before this (the latest 429's pause).
    [[nodiscard]] clock::time_point paused_until() const { return paused_until_; }

private:
    void recover(clock::time_point now);

    double configured_;  // 0: no limit
    double current_;
    clock::time_point last_slot_{};
    clock::time_point paused_until_{};
    clock::time_point last_change_{};
    unsigned long throttles_ = 0;
};

}  // namespace xferd
