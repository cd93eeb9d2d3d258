#include "xferd/core/api_failure.hpp"

#include <boost/json/parse.hpp>

namespace xferd {

namespace {

bool has(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

ApiFailure batch(std::string setting, std::string advice)
{
    return {FailureScope::batch, std::move(setting), std::move(advice)};
}

ApiFailure token_failure(const FailedAnswer& a)
{
    if (a.how != CallOutcome::Kind::answered)
        return batch("api.token_url", "the token endpoint cannot be reached: check api.token_url and the network");
    if (a.error_code == "invalid_client" || a.error_code == "unauthorized_client")
        return batch("api.client_id", "the token endpoint refuses the client: check api.client_id and the client secret");
    if (a.error_code == "invalid_grant")
        return batch("api.username", "the token endpoint refuses the login: check api.username and the password");
    return batch("credentials", "the token endpoint refuses xferd: check api.client_id, the client secret, "
                                "api.username and the password");
}

// The proxy's own message already says what to check (see connect_refusal_text).
ApiFailure proxy_failure(const FailedAnswer& a)
{
    if (a.how == CallOutcome::Kind::proxy_refused && a.status == 407)
        return batch("api.proxy_username", "nothing reached the API: check the proxy setting it names");
    return batch("api.proxy", "nothing reached the API: check the proxy setting it names");
}

ApiFailure transport_failure(CallOutcome::Kind how)
{
    using K = CallOutcome::Kind;
    switch (how) {
    case K::connect_failed:
        return batch("api.base_url", "the API cannot be reached: check the host and port in api.base_url, the "
                                     "network and api.proxy");
    case K::tls_failed:
        return batch("api.ca_file", "the API's certificate is refused: check api.ca_file and the host in api.base_url");
    default:
        return {FailureScope::transient, "", "the connection failed or timed out; asked again at the next run"};
    }
}

ApiFailure forbidden(const std::string& code)
{
    if (has(code, "Tenant"))
        return batch("api.tenant", "the API refuses this tenant: check api.tenant (sent as X-TNGO-TENANT)");
    if (has(code, "Client-Id"))
        return batch("api.client_id", "the API refuses this client: check api.client_id (a proxy that drops headers "
                                      "with '_' loses the client_id header)");
    return batch("api.tenant", "the API refuses this client: check api.tenant and api.client_id");
}

}  // namespace

ApiFailure classify_failure(const FailedAnswer& a)
{
    if (a.how == CallOutcome::Kind::proxy_failed || a.how == CallOutcome::Kind::proxy_refused) return proxy_failure(a);
    if (a.token_refused) return token_failure(a);
    if (a.how != CallOutcome::Kind::answered) return transport_failure(a.how);
    const std::string& code = a.error_code;
    if (a.status == 401)
        return batch("credentials", "the API refuses xferd's token even after a fresh one: check api.client_id, "
                                    "the client secret, api.username and the password");
    if (a.status == 403) return forbidden(code);
    if (a.status == 400 && has(code, "Tenant")) return forbidden(code);
    if (a.status == 400 && has(code, "Client-Id")) return forbidden(code);
    const bool about_a_thing = has(code, "Service") || has(code, "Order") || has(code, "Employee");
    if ((a.status == 404 && !about_a_thing) || a.status == 405)
        return batch("api.base_url", "nothing answers at that path: check api.base_url (it ends in /mobproc/v1 or "
                                     "your tenant's equivalent)");
    if (a.status == 429 || a.status == 408 || a.status >= 500)
        return {FailureScope::transient, "", "the API is failing or throttling; asked again at the next run"};
    return {FailureScope::row, "", ""};
}

std::string api_error_code(std::string_view body)
{
    boost::system::error_code ec;
    auto doc = boost::json::parse(body, ec);
    const auto* obj = ec ? nullptr : doc.if_object();
    if (!obj) return "";
    auto string_of = [](const boost::json::object& o, std::string_view key) -> std::string {
        const auto* v = o.if_contains(key);
        return v && v->is_string() ? std::string(v->get_string()) : std::string();
    };
    if (const auto* errors = obj->if_contains("errors"); errors && errors->is_array()) {
        for (const auto& e : errors->get_array())
            if (const auto* eo = e.if_object(); eo && !string_of(*eo, "errorCode").empty())
                return string_of(*eo, "errorCode");
    }
    if (auto c = string_of(*obj, "errorCode"); !c.empty()) return c;
    return string_of(*obj, "error");
}

}  // namespace xferd
