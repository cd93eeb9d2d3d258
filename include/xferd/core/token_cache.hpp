// When to fetch a new access token (mobproc-api.md §2.6, §13): pure, clock passed in.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace xferd {

struct TokenGrant {
    std::string access_token;
    std::string refresh_token;
    std::chrono::seconds expires_in{0};
};

class TokenCache {
public:
    using clock = std::chrono::steady_clock;

    enum class Next { use, refresh, password };

    // What to do before a call at `now`: use the token, refresh it, or log in again.
    [[nodiscard]] Next next(clock::time_point now) const;
    void store(const TokenGrant& grant, clock::time_point now);
    // The server refused `access_token`: forget it if it is still the current one.
    // Returns true when it was current (the caller should refresh), false when a newer one is here.
    bool invalidate(const std::string& access_token);
    void forget_refresh_token() { refresh_token_.clear(); }

    [[nodiscard]] const std::string& access_token() const { return access_token_; }
    [[nodiscard]] const std::string& refresh_token() const { return refresh_token_; }
    [[nodiscard]] std::uint64_t generation() const { return generation_; }

private:
    std::string access_token_;
    std::string refresh_token_;
    clock::time_point refresh_at_{};
    std::uint64_t generation_ = 0;
};

}  // namespace xferd
