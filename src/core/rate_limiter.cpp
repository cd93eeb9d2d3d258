#include "xferd/core/rate_limiter.hpp"

#include <algorithm>

namespace xferd {

void RateLimiter::recover(clock::time_point now)
{
    while (current_ < configured_ && now - last_change_ >= recover_after) {
        current_ = std::min(configured_, current_ * 1.25);
        last_change_ += recover_after;
    }
}

RateLimiter::clock::time_point RateLimiter::reserve(clock::time_point now, clock::duration at_least)
{
    recover(now);
    auto gap = at_least;
    if (current_ > 0)
        gap = std::max(gap, std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(1.0 / current_)));
    // Unused time is not banked: a call after a quiet spell goes at once, not in a burst after it.
    const auto slot = std::max({now, last_slot_ + gap, paused_until_});
    last_slot_ = slot;
    return slot;
}

void RateLimiter::throttled(clock::time_point now, clock::duration pause)
{
    paused_until_ = std::max(paused_until_, now + pause);
    ++throttles_;
    if (configured_ > 0) {
        current_ = std::max(configured_ / 16, current_ / 2);
        last_change_ = now;
    }
}

}  // namespace xferd
