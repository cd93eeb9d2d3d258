#include "xferd/core/token_cache.hpp"

namespace xferd {

TokenCache::Next TokenCache::next(clock::time_point now) const
{
    if (access_token_.empty() || now >= refresh_at_) return refresh_token_.empty() ? Next::password : Next::refresh;
    return Next::use;
}

void TokenCache::store(const TokenGrant& grant, clock::time_point now)
{
    access_token_ = grant.access_token;
    if (!grant.refresh_token.empty()) refresh_token_ = grant.refresh_token;  // rotation: keep the newest
    // Refresh at 80 % of the lifetime so a token never expires on the wire.
    refresh_at_ = now + std::chrono::duration_cast<clock::duration>(grant.expires_in) * 4 / 5;
    ++generation_;
}

bool TokenCache::invalidate(const std::string& access_token)
{
    if (access_token != access_token_ || access_token_.empty()) return false;
    access_token_.clear();
    return true;
}

}  // namespace xferd
