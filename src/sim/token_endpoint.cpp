// POST /as/token.oauth2: password and refresh_token grants (docs/mobproc-api.md § Tokens), parameters from a form body or
// the query string, OAuth-style errors, rotating refresh tokens.
#include "xferd/sim/endpoints.hpp"

#include <algorithm>

namespace xferd::sim {

namespace json = boost::json;

namespace {

Response oauth_error(int status, std::string_view error, std::string_view description)
{
    json::object o;
    o["error"] = error;
    o["error_description"] = description;
    Response r = json_response(status, o);
    r.headers.emplace_back("Cache-Control", "no-store");
    if (status == 401)
        r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"mobproc-sim\"");
    return r;
}

bool has_scope(std::string_view scopes, std::string_view wanted)
{
    while (!scopes.empty()) {
        auto sp = scopes.find(' ');
        if (scopes.substr(0, sp) == wanted)
            return true;
        if (sp == std::string_view::npos)
            break;
        scopes.remove_prefix(sp + 1);
    }
    return false;
}

const std::string* find(const Params& p, std::string_view key)
{
    for (auto& [k, v] : p)
        if (k == key)
            return &v;
    return nullptr;
}

// client_id/client_secret may also come as HTTP Basic credentials (RFC 6749 §2.3.1).
std::optional<std::pair<std::string, std::string>> basic_credentials(std::string_view auth)
{
    if (auth.size() < 6 || !(auth.substr(0, 6) == "Basic " || auth.substr(0, 6) == "basic "))
        return std::nullopt;
    auto b64 = auth.substr(6);
    static constexpr std::string_view alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    unsigned buf = 0;
    int bits = 0;
    for (char c : b64) {
        if (c == '=')
            break;
        auto pos = alphabet.find(c);
        if (pos == std::string_view::npos)
            return std::nullopt;
        buf = (buf << 6) | unsigned(pos);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(char((buf >> bits) & 0xff));
        }
    }
    auto colon = out.find(':');
    if (colon == std::string::npos)
        return std::nullopt;
    auto id = form_decode(out.substr(0, colon));
    auto secret = form_decode(out.substr(colon + 1));
    if (!id || !secret)
        return std::nullopt;
    return std::pair{*id, *secret};
}

void sweep_expired(State& st)
{
    auto now = st.now();
    if (st.access_tokens.size() > 50000)
        std::erase_if(st.access_tokens, [&](auto& kv) { return kv.second.expires <= now; });
    if (st.refresh_tokens.size() > 50000)
        std::erase_if(st.refresh_tokens, [&](auto& kv) { return kv.second.expires <= now; });
}

Response issue(State& st, const User& user, const std::string& client_id)
{
    sweep_expired(st);
    auto now = st.now();
    TokenGrant grant{user.username, client_id, user.employee_id, now + st.token_ttl};
    std::string access = st.random_token(28);
    std::string refresh = st.random_token(42);
    st.access_tokens.emplace(access, grant);
    grant.expires = now + std::max<std::chrono::seconds>(st.token_ttl * 2, std::chrono::hours{24});
    st.refresh_tokens.emplace(refresh, grant);
    ++st.stats.tokens_issued;

    json::object o;
    o["access_token"] = access;
    o["token_type"] = "Bearer";
    o["expires_in"] = st.token_ttl.count();
    o["refresh_token"] = refresh;
    Response r = json_response(200, o);
    r.headers.emplace_back("Cache-Control", "no-store");
    r.headers.emplace_back("Pragma", "no-cache");
    return r;
}

}  // namespace

Response token_endpoint(const Request& req, const Target& t, State& st)
{
    Params params = t.query;
    if (!req.body.empty()) {
        auto ct = req.header("content-type");
        if (!ct.starts_with("application/x-www-form-urlencoded"))
            return oauth_error(400, "invalid_request",
                               "The request body must be application/x-www-form-urlencoded.");
        auto body = parse_form(req.body);
        if (!body)
            return oauth_error(400, "invalid_request", "The form body is malformed.");
        // Body parameters win over query parameters of the same name.
        for (auto& kv : *body) {
            std::erase_if(params, [&](auto& p) { return p.first == kv.first; });
        }
        params.insert(params.end(), body->begin(), body->end());
    }
    auto* grant_type = find(params, "grant_type");
    if (!grant_type || grant_type->empty())
        return oauth_error(400, "invalid_request", "grant_type is required.");

    std::string client_id, client_secret;
    if (auto basic = basic_credentials(req.header("authorization"))) {
        client_id = basic->first;
        client_secret = basic->second;
    } else {
        if (auto* v = find(params, "client_id")) client_id = *v;
        if (auto* v = find(params, "client_secret")) client_secret = *v;
    }
    if (client_id.empty() || client_secret.empty())
        return oauth_error(401, "invalid_client", "Client authentication is required.");
    auto* client = st.fixtures.find_client(client_id);
    if (!client || client->secret != client_secret)
        return oauth_error(401, "invalid_client", "Client authentication failed.");

    auto* scope = find(params, "scope");
    if (*grant_type == "password") {
        if (!scope || !has_scope(*scope, "MOBPROC"))
            return oauth_error(400, "invalid_scope", "scope must include MOBPROC.");
        auto* username = find(params, "username");
        auto* password = find(params, "password");
        if (!username || username->empty() || !password || password->empty())
            return oauth_error(400, "invalid_request", "username and password are required.");
        auto* user = st.fixtures.find_user(*username);
        if (!user || user->password != *password)
            return oauth_error(400, "invalid_grant", "Invalid username or password.");
        return issue(st, *user, client->id);
    }
    if (*grant_type == "refresh_token") {
        if (scope && !has_scope(*scope, "MOBPROC"))
            return oauth_error(400, "invalid_scope", "scope must include MOBPROC.");
        auto* token = find(params, "refresh_token");
        if (!token || token->empty())
            return oauth_error(400, "invalid_request", "refresh_token is required.");
        auto it = st.refresh_tokens.find(*token);
        if (it == st.refresh_tokens.end() || it->second.client_id != client->id ||
            it->second.expires <= st.now())
            return oauth_error(400, "invalid_grant", "The refresh token is invalid, expired or already used.");
        auto* user = st.fixtures.find_user(it->second.username);
        st.refresh_tokens.erase(it);  // rotation: a refresh token works once
        if (!user)
            return oauth_error(400, "invalid_grant", "The refresh token's user no longer exists.");
        ++st.stats.tokens_refreshed;
        return issue(st, *user, client->id);
    }
    return oauth_error(400, "unsupported_grant_type", "grant_type must be password or refresh_token.");
}

}  // namespace xferd::sim
