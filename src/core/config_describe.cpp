// `xferd check`'s print of the effective configuration: YAML, secrets and webhook tokens
// redacted, defaults spelled out.
#include "xferd/core/config.hpp"

#include <boost/url/parse.hpp>
#include <yaml-cpp/yaml.h>

namespace xferd {

using std::chrono::milliseconds;

namespace {

// YAML emitting helpers for describe_config.
void emit_duration(YAML::Emitter& out, const char* key, milliseconds d)
{
    out << YAML::Key << key << YAML::Value << format_duration(d);
}

void emit_columns(YAML::Emitter& out, const ColumnMapping& columns)
{
    if (columns.empty()) out << YAML::Flow;  // "columns: {}"
    out << YAML::BeginMap;
    for (const auto& [header, target] : columns) out << YAML::Key << header << YAML::Value << target;
    out << YAML::EndMap;
}

void emit_sheet(YAML::Emitter& out, const std::string& sheet)
{
    out << YAML::Key << "sheet" << YAML::Value;
    if (sheet.empty())
        out << YAML::Null << YAML::Comment(".xlsx: the first visible sheet");
    else
        out << sheet;
}

void emit_secret(YAML::Emitter& out, const char* key, const SecretSource& source)
{
    out << YAML::Key << key << YAML::Value << describe(source);
    if (source.readable_by_others)
        out << YAML::Comment("note: group/others may read " + source.file.string() +
                             "; chmod 600 is recommended");
}

// The webhook's path and query may carry its token (Slack, Teams): only scheme, host and port.
std::string redacted_webhook(const std::string& url)
{
    auto parsed = boost::urls::parse_uri(url);
    if (!parsed) return "<redacted>";
    std::string origin = std::string(parsed->scheme()) + "://" + std::string(parsed->encoded_authority());
    return parsed->encoded_path().empty() ? origin : origin + "/<redacted path>";
}

void emit_monitoring(YAML::Emitter& out, const Config& config)
{
    out << YAML::Key << "metrics" << YAML::Value << YAML::BeginMap << YAML::Key << "listen" << YAML::Value;
    if (config.metrics.listen) out << to_string(*config.metrics.listen);
    else out << YAML::Null << YAML::Comment("off");
    out << YAML::EndMap;
    const NotifyConfig& n = config.notify;
    out << YAML::Key << "notify" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "command" << YAML::Value;
    if (n.command) out << n.command->string();
    else out << YAML::Null;
    out << YAML::Key << "webhook" << YAML::Value;
    if (n.webhook) out << redacted_webhook(*n.webhook);
    else out << YAML::Null;
    out << YAML::Key << "ca_file" << YAML::Value;
    if (n.ca_file) out << n.ca_file->string();
    else out << YAML::Null << YAML::Comment(config.api.ca_file ? "api.ca_file" : "the system trust store");
    emit_duration(out, "timeout", n.timeout);
    out << YAML::EndMap;
}

// "via the proxy" / "direct (NO_PROXY)" for the host of `url`.
std::string route_of(const ProxySettings& proxy, const std::string& url)
{
    auto parsed = boost::urls::parse_uri(url);
    const std::string host = parsed ? std::string(parsed->host_address()) : std::string();
    if (proxy_for(proxy, host)) return "via the proxy";
    return "direct (" + proxy.no_proxy_var + ")";
}

// The effective proxy, where it came from, and which of the two hosts go through it. The
// credentials in HTTPS_PROXY's URL are never shown.
void emit_proxy(YAML::Emitter& out, const ApiConfig& api)
{
    const ProxySettings& p = api.proxy;
    out << YAML::Key << "proxy" << YAML::Value;
    switch (p.origin) {
    case ProxyOrigin::none: out << YAML::Null << YAML::Comment("none: no api.proxy, no HTTPS_PROXY"); break;
    case ProxyOrigin::key_disabled: out << "none" << YAML::Comment("api.proxy: none (HTTPS_PROXY is ignored)"); break;
    case ProxyOrigin::key:
        out << proxy_url(*p.server) << YAML::Comment("from api.proxy, for base_url and token_url");
        break;
    case ProxyOrigin::env: {
        const std::string url = proxy_url(*p.server);
        out << (p.userinfo_in_env ? "http://<redacted>@" + url.substr(7) : url);
        std::string note = "from env " + p.env_var;
        if (!p.no_proxy_var.empty()) note += ", " + p.no_proxy_var + "=" + p.no_proxy;
        out << YAML::Comment(note + "; base_url " + route_of(p, api.base_url) + ", token_url " +
                             route_of(p, api.token_url));
        break;
    }
    }
    out << YAML::Key << "proxy_username" << YAML::Value;
    if (api.proxy_username.empty()) out << YAML::Null;
    else if (api.proxy_password_source.kind == SecretSource::Kind::env && api.proxy_password_source.name == p.env_var &&
             p.userinfo_in_env)
        out << "<redacted, from env " + p.env_var + ">";
    else out << api.proxy_username;
    if (api.proxy_username.empty()) out << YAML::Key << "proxy_password" << YAML::Value << YAML::Null;
    else emit_secret(out, "proxy_password", api.proxy_password_source);
}

void emit_api(YAML::Emitter& out, const ApiConfig& api)
{
    out << YAML::Key << "api" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "base_url" << YAML::Value << api.base_url;
    out << YAML::Key << "token_url" << YAML::Value << api.token_url;
    out << YAML::Key << "tenant" << YAML::Value << api.tenant;
    out << YAML::Key << "client_id" << YAML::Value << api.client_id;
    emit_secret(out, "client_secret", api.client_secret_source);
    out << YAML::Key << "username" << YAML::Value << api.username;
    emit_secret(out, "password", api.password_source);
    out << YAML::Key << "ca_file" << YAML::Value;
    if (api.ca_file)
        out << api.ca_file->string();
    else
        out << YAML::Null << YAML::Comment("the system trust store");
    emit_proxy(out, api);
    out << YAML::Key << "concurrency" << YAML::Value << api.concurrency;
    emit_duration(out, "connect_timeout", api.connect_timeout);
    emit_duration(out, "tls_timeout", api.tls_timeout);
    emit_duration(out, "request_timeout", api.request_timeout);
    out << YAML::Key << "max_attempts" << YAML::Value << api.max_attempts;
    emit_duration(out, "retry_base_delay", api.retry_base_delay);
    emit_duration(out, "retry_max_delay", api.retry_max_delay);
    emit_duration(out, "outage_after", api.outage_after);
    emit_duration(out, "outage_limit", api.outage_limit);
    if (api.outage_limit.count() == 0) out << YAML::Comment("no limit: an outage is waited out until SIGTERM");
    emit_duration(out, "reconcile_delay", api.reconcile_delay);
    out << YAML::Key << "rate_limit" << YAML::Value << api.rate_limit;
    if (api.rate_limit == 0) out << YAML::Comment("no limit");
    out << YAML::Key << "max_response_bytes" << YAML::Value << format_size(api.max_response_bytes);
    emit_duration(out, "max_retry_after", api.max_retry_after);
    emit_duration(out, "row_deadline", api.row_deadline);
    out << YAML::EndMap;
}

}  // namespace

std::string describe(const SecretSource& source)
{
    switch (source.kind) {
    case SecretSource::Kind::credential: return "<redacted, from credential " + source.name + ">";
    case SecretSource::Kind::file: return "<redacted, from " + source.file.string() + ">";
    case SecretSource::Kind::env: return "<redacted, from env " + source.name + ">";
    case SecretSource::Kind::not_read: return "<not read>";
    case SecretSource::Kind::none: break;
    }
    return "<not set>";
}

std::string describe_config(const Config& config)
{
    YAML::Emitter out;
    out << YAML::Comment("effective configuration from " + config.config_file.string() +
                         " (secrets redacted)");
    out << YAML::BeginMap;

    emit_api(out, config.api);

    out << YAML::Key << "inbox" << YAML::Value << YAML::BeginSeq;
    for (const auto& inbox : config.inboxes) {
        out << YAML::BeginMap;
        out << YAML::Key << "path" << YAML::Value << inbox.path.string();
        out << YAML::Key << "columns" << YAML::Value;
        emit_columns(out, inbox.columns);
        out << YAML::Key << "approval_mode" << YAML::Value
            << to_string(inbox.approval_mode.value_or(config.approval.mode));
        emit_sheet(out, inbox.sheet.value_or(config.sheet));
        out << YAML::EndMap;
    }
    out << YAML::EndSeq;

    out << YAML::Key << "columns" << YAML::Value;
    emit_columns(out, config.columns);
    emit_sheet(out, config.sheet);

    const ApprovalConfig& approval = config.approval;
    out << YAML::Key << "approval" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "mode" << YAML::Value << to_string(approval.mode);
    out << YAML::Key << "max_reject_ratio" << YAML::Value << approval.max_reject_ratio;
    out << YAML::Key << "check_service_active" << YAML::Value << approval.check_service_active;
    out << YAML::Key << "check_service_number" << YAML::Value << approval.check_service_number;
    out << YAML::Key << "check_account_holder" << YAML::Value << approval.check_account_holder;
    emit_duration(out, "max_age", std::chrono::duration_cast<milliseconds>(approval.max_age));
    out << YAML::EndMap;

    out << YAML::Key << "limits" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "max_file_bytes" << YAML::Value << format_size(config.limits.max_file_bytes);
    out << YAML::Key << "max_field_bytes" << YAML::Value << format_size(config.limits.max_field_bytes);
    out << YAML::Key << "max_row_bytes" << YAML::Value << format_size(config.limits.max_row_bytes);
    out << YAML::Key << "max_columns" << YAML::Value << config.limits.max_columns;
    out << YAML::EndMap;

    out << YAML::Key << "watch" << YAML::Value << YAML::BeginMap;
    emit_duration(out, "settle", config.watch.settle);
    emit_duration(out, "rescan_interval", config.watch.rescan_interval);
    out << YAML::Key << "max_parallel_batches" << YAML::Value << config.watch.max_parallel_batches;
    emit_duration(out, "shutdown_grace", config.watch.shutdown_grace);
    out << YAML::EndMap;

    emit_monitoring(out, config);
    out << YAML::Key << "state_dir" << YAML::Value << config.state_dir.string();
    out << YAML::Key << "state" << YAML::Value << YAML::BeginMap;
    emit_duration(out, "keep_snapshots", config.state.keep_snapshots);
    if (config.state.keep_snapshots.count() == 0) out << YAML::Comment("kept forever");
    out << YAML::EndMap;
    out << YAML::EndMap;
    return std::string(out.c_str()) + "\n";
}

}  // namespace xferd
