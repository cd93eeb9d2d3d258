// When to fetch a new access token (docs/mobproc-api.md § Tokens): pure, clock passed in.
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

    // A token is kept at least this long, whatever expires_in says (0 and negative included).
    static constexpr std::chrono::seconds min_lifetime{10};
    // Tokens fetched less than min_lifetime apart (refused as soon as granted) space the next
    // fetch out: 1 s, 2 s, 4 s … up to max_backoff.
    static constexpr std::chrono::seconds first_backoff{1};
    static constexpr std::chrono::seconds max_backoff{60};

    // What to do before a call at `now`: use the token, refresh it, or log in again.
    [[nodiscard]] Next next(clock::time_point now) const;
    // Returns false when the grant's lifetime was floored to min_lifetime (worth a WARNING).
    bool store(const TokenGrant& grant, clock::time_point now);
    // How long to wait before fetching another token at `now` (zero unless fetches come quick).
    [[nodiscard]] clock::duration fetch_delay(clock::time_point now) const;
    // Tokens fetched in a row, each less than min_lifetime after the one before.
    [[nodiscard]] unsigned quick_fetches() const { return quick_fetches_; }
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
    std::optional<clock::time_point> last_store_;
    unsigned quick_fetches_ = 0;
    bool refused_ = false;  // the current token was refused by the server
    std::uint64_t generation_ = 0;
};

}  // namespace xferd
