#include "xferd/core/token_cache.hpp"

#include <algorithm>

namespace xferd {

namespace {

// The wait before the next fetch after `quick` tokens in a row were refused or replaced early.
TokenCache::clock::duration backoff_after(unsigned quick)
{
    if (quick == 0) return TokenCache::clock::duration::zero();
    const unsigned shift = std::min(quick - 1, 6u);
    return std::min<TokenCache::clock::duration>(TokenCache::first_backoff * (1u << shift), TokenCache::max_backoff);
}

}  // namespace

TokenCache::Next TokenCache::next(clock::time_point now) const
{
    if (access_token_.empty() || now >= refresh_at_) return refresh_token_.empty() ? Next::password : Next::refresh;
    return Next::use;
}

bool TokenCache::store(const TokenGrant& grant, clock::time_point now)
{
    access_token_ = grant.access_token;
    if (!grant.refresh_token.empty()) refresh_token_ = grant.refresh_token;  // rotation: keep the newest
    // Refresh at 80 % of the lifetime so a token never expires on the wire, but never sooner
    // than min_lifetime: an expires_in of 0 must not turn into a fetch before every call.
    auto lifetime = std::chrono::duration_cast<clock::duration>(grant.expires_in) * 4 / 5;
    const bool floored = lifetime < min_lifetime;
    refresh_at_ = now + std::max<clock::duration>(lifetime, min_lifetime);
    // Quick: replaced within min_lifetime, or refused by the server before it outlived the wait
    // that preceded it by min_lifetime (so the streak survives its own backoff).
    const bool quick = last_store_ && (now - *last_store_ < min_lifetime ||
                                       (refused_ && now - *last_store_ < backoff_after(quick_fetches_) + min_lifetime));
    quick_fetches_ = quick ? quick_fetches_ + 1 : 0;
    last_store_ = now;
    refused_ = false;
    ++generation_;
    return !floored;
}

TokenCache::clock::duration TokenCache::fetch_delay(clock::time_point now) const
{
    if (!last_store_) return clock::duration::zero();
    return std::max(clock::duration::zero(), *last_store_ + backoff_after(quick_fetches_) - now);
}

bool TokenCache::invalidate(const std::string& access_token)
{
    if (access_token != access_token_ || access_token_.empty()) return false;
    access_token_.clear();
    refused_ = true;
    return true;
}

}  // namespace xferd
