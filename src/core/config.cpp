// The config schema: YAML text → validated Config. Every problem found is reported at once,
// each naming the file, line and key, so an operator fixes the file in one pass. Pure: secrets
// and the notify command are described here and checked by the service layer (load_config).
#include "xferd/core/config.hpp"

#include "xferd/core/csv_columns.hpp"
#include "xferd/core/yaml_section.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>

namespace xferd {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

namespace {


class Loader : public SectionReader {
public:
    Loader(ParsedConfig& out, const fs::path& file)
        : SectionReader(out.errors, file.parent_path()), out_(out)
    {
    }

    Result<void> run(const std::string& content);

private:
    std::optional<ApprovalMode> mode(const Section& s, const Entry* e);
    std::optional<ColumnMapping> columns(const Section& s, const Entry* e);
    std::optional<std::string> sheet(const Section& s, const Entry* e);

    void load_api(const Entry* e, ApiConfig& api);
    void load_secret(const Section& api, SecretRequest& request);
    void load_proxy(const Section& api, ApiConfig& config);
    void load_inboxes(const Entry* e, Config& config);
    void load_approval(const Entry* e, ApprovalConfig& approval);
    void load_limits(const Entry* e, LimitsConfig& limits);
    void load_watch(const Entry* e, WatchConfig& watch);
    void load_metrics(const Entry* e, MetricsConfig& metrics);
    void load_notify(const Entry* e, NotifyConfig& notify);
    void load_state(const Entry* e, StateConfig& state);

    ParsedConfig& out_;
};

std::optional<ApprovalMode> Loader::mode(const Section& s, const Entry* e)
{
    auto value = text(s, e);
    if (!value) return std::nullopt;
    auto m = parse_approval_mode(trim_blanks(*value));
    if (!m)
        error_at(e->mark, "'" + s.dotted(e->key) + "' must be auto, manual or dry-run, not '" +
                              *value + "'");
    return m;
}

std::optional<ColumnMapping> Loader::columns(const Section& s, const Entry* e)
{
    if (e == nullptr || e->value.IsNull()) return std::nullopt;
    std::string name = s.dotted(e->key);
    if (!e->value.IsMap()) {
        error_at(e->mark, "'" + name + "' must be a map of 'Header In File: canonical_column' lines");
        return std::nullopt;
    }
    ColumnMapping mapping;
    std::map<std::string, std::string> by_key;  // normalised header → header as written
    bool ok = true;
    for (const auto& kv : e->value) {
        const YAML::Node key = kv.first;
        const YAML::Node value = kv.second;
        YAML::Mark mark = key.Mark();
        if (!key.IsScalar() || trim_blanks(key.Scalar()).empty()) {
            error_at(mark, "'" + name + "': a header name must be a non-empty text");
            ok = false;
            continue;
        }
        std::string header = key.Scalar();
        if (!value.IsScalar() || trim_blanks(value.Scalar()).empty()) {
            error_at(mark, "'" + name + "': header '" + header +
                               "' must map to one canonical column name");
            ok = false;
            continue;
        }
        std::string target = trim_blanks(value.Scalar());
        auto canonical = mapping_target(target);  // the batch reader's rule, so it accepts it too
        if (!canonical) {
            error_at(mark, "'" + name + "': header '" + header + "' maps to '" + target +
                               "', which is not a column xferd knows; use one of " +
                               mapping_targets_text());
            ok = false;
            continue;
        }
        auto [pos, inserted] = by_key.emplace(normalise_column_name(header), header);
        if (!inserted) {
            error_at(mark, "'" + name + "': headers '" + pos->second + "' and '" + header +
                               "' are the same header (names match ignoring case, spaces, '_' and "
                               "'-'); keep one");
            ok = false;
            continue;
        }
        mapping.emplace(header, *canonical);
    }
    if (!ok) return std::nullopt;
    return mapping;
}

void Loader::load_secret(const Section& api, SecretRequest& request)
{
    const SecretSpec& spec = request.spec;
    if (const Entry* e = api.find(spec.yaml_key)) {
        // Never echo the value.
        error_at(e->mark, "'api." + std::string(spec.yaml_key) +
                              "': a secret does not belong in the config file (it is readable by "
                              "more people and ends up in backups); put it in a file and set "
                              "api." + std::string(spec.file_key) + ", or set the environment "
                              "variable " + std::string(spec.env_var) +
                              ", or use the systemd credential '" + std::string(spec.credential) +
                              "'");
        return;
    }
    request.wanted = true;
    request.api_line = line_of(api.mark);
    if (const Entry* e = api.find(spec.file_key); e && !e->value.IsNull()) {
        request.file_key_given = true;
        request.file_line = line_of(e->mark);
        request.file = path(api, e);
    }
}

// api.proxy (the environment is read by load_config only when it is absent), and its credentials:
// a user name here, the password as a secret, looked for only when a user name is given.
void Loader::load_proxy(const Section& api, ApiConfig& config)
{
    SecretRequest& secret = out_.proxy_password;
    load_secret(api, secret);
    const Entry* user = api.find("proxy_username");
    if (auto v = text(api, user)) {
        config.proxy_username = trim_blanks(*v);
        if (config.proxy_username.empty() || config.proxy_username.find(':') != std::string::npos ||
            std::any_of(config.proxy_username.begin(), config.proxy_username.end(),
                        [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }))
            error_at(user->mark, "'api.proxy_username' must be a non-empty name without ':' or control characters");
    } else {
        if (secret.file_key_given)
            error_at(api.find("proxy_password_file")->mark,
                     "'api.proxy_password_file' is set but 'api.proxy_username' is not: set both, or neither");
        secret.wanted = false;
    }
    const Entry* e = api.find("proxy");
    if (!e) return;
    out_.proxy_key_given = true;
    if (e->value.IsNull() || (e->value.IsScalar() && is_proxy_disabled(e->value.Scalar()))) {
        config.proxy.origin = ProxyOrigin::key_disabled;
        return;
    }
    auto v = text(api, e);
    if (!v) return;
    auto server = parse_proxy_key(*v);
    if (!server) {
        error_at(e->mark, server.error().message);
        return;
    }
    config.proxy.origin = ProxyOrigin::key;
    config.proxy.server = *server;
}

void Loader::load_api(const Entry* e, ApiConfig& api)
{
    if (e == nullptr || e->value.IsNull()) {
        error_at(e ? e->mark : YAML::Mark::null_mark(),
                 "missing required section 'api' (base_url, token_url, tenant, client_id, "
                 "username, …)");
        return;
    }
    Section s = section(e->value, e->mark, "api",
                        {"base_url", "token_url", "tenant", "client_id", "client_secret_file",
                         "username", "password_file", "ca_file", "concurrency", "connect_timeout",
                         "tls_timeout", "request_timeout", "max_attempts", "retry_base_delay",
                         "retry_max_delay", "rate_limit", "outage_after", "outage_limit", "reconcile_delay",
                         "max_response_bytes", "max_retry_after", "row_deadline", "proxy",
                         "proxy_username", "proxy_password_file",
                         // refused with their own message by load_secret:
                         "client_secret", "password", "proxy_password"});
    if (!s.present) return;

    if (auto v = url(s, require(s, "base_url", "the MobProc API root, e.g. https://host/mobproc/v1")))
        api.base_url = *v;
    if (auto v = url(s, require(s, "token_url", "the OAuth token endpoint, e.g. https://host/as/token.oauth2")))
        api.token_url = *v;
    if (auto v = text(s, require(s, "tenant", "the customer code sent as X-TNGO-TENANT")))
        api.tenant = trim_blanks(*v);
    if (auto v = text(s, require(s, "client_id", "the OAuth client id")))
        api.client_id = trim_blanks(*v);
    if (auto v = text(s, require(s, "username", "e.g. command://svc-offboarding")))
        api.username = trim_blanks(*v);
    load_secret(s, out_.client_secret);
    load_secret(s, out_.password);
    load_proxy(s, api);

    // Not opened here: the demo's CA file appears only once the simulator has started. The
    // TLS setup reports a missing or unreadable file with its name.
    if (auto p = path(s, s.find("ca_file"))) api.ca_file = *p;
    if (auto v = integer(s, s.find("concurrency"), 1, 1024)) api.concurrency = static_cast<unsigned>(*v);
    using namespace std::chrono_literals;
    if (auto v = duration(s, s.find("connect_timeout"), 1ms, 3'600'000ms)) api.connect_timeout = *v;
    if (auto v = duration(s, s.find("tls_timeout"), 1ms, 3'600'000ms)) api.tls_timeout = *v;
    if (auto v = duration(s, s.find("request_timeout"), 1ms, 3'600'000ms)) api.request_timeout = *v;
    if (auto v = integer(s, s.find("max_attempts"), 1, 100)) api.max_attempts = static_cast<unsigned>(*v);
    const Entry* base = s.find("retry_base_delay");
    const Entry* max = s.find("retry_max_delay");
    if (auto v = duration(s, base, 1ms, 3'600'000ms)) api.retry_base_delay = *v;
    if (auto v = duration(s, max, 1ms, 3'600'000ms)) api.retry_max_delay = *v;
    if (api.retry_max_delay < api.retry_base_delay)
        error_at(max ? max->mark : base ? base->mark : s.mark,
                 "'api.retry_max_delay' (" + format_duration(api.retry_max_delay) +
                     ") must not be shorter than 'api.retry_base_delay' (" +
                     format_duration(api.retry_base_delay) + ")");
    if (auto v = duration(s, s.find("outage_after"), 1ms, 3'600'000ms)) api.outage_after = *v;
    const Entry* limit = s.find("outage_limit");
    if (auto v = duration(s, limit, 0ms, 604'800'000ms)) api.outage_limit = *v;
    else if (!limit) api.outage_limit = std::max(api.outage_limit, api.outage_after);   // the default follows
    if (api.outage_limit.count() != 0 && api.outage_limit < api.outage_after)
        error_at(limit ? limit->mark : s.mark,
                 "'api.outage_limit' (" + format_duration(api.outage_limit) +
                     ") must not be shorter than 'api.outage_after' (" + format_duration(api.outage_after) +
                     "); 0 waits out an outage without limit");
    if (auto v = duration(s, s.find("reconcile_delay"), 0ms, 3'600'000ms)) api.reconcile_delay = *v;
    // 0, or at least 0.01: below that the spacing (over 100 s, sixteen times that after a 429)
    // stops meaning a rate. A positive value is read again against the narrower range, so both
    // gaps are refused in the same words.
    const Entry* rate = s.find("rate_limit");
    constexpr std::string_view rate_range = "of requests per second: 0 (no limit) or from 0.01 (a call every 100s) to 1000000";
    if (auto v = real(s, rate, 0, 1e6, rate_range); v && (*v == 0 || real(s, rate, 0.01, 1e6, rate_range)))
        api.rate_limit = *v;
    if (auto v = byte_size(s, s.find("max_response_bytes"), 1024, std::uint64_t{1} << 30)) api.max_response_bytes = *v;
    if (auto v = duration(s, s.find("max_retry_after"), 0ms, 3'600'000ms)) api.max_retry_after = *v;
    if (auto v = duration(s, s.find("row_deadline"), 1ms, 86'400'000ms)) api.row_deadline = *v;
}

// An Excel tab name: 1 to 31 characters, none of : \ / ? * [ ].
std::optional<std::string> Loader::sheet(const Section& s, const Entry* e)
{
    auto v = text(s, e);
    if (!v) return std::nullopt;
    const auto chars = std::count_if(v->begin(), v->end(), [](char c) { return (c & 0xC0) != 0x80; });
    if (chars > 31 || v->find_first_of(":\\/?*[]") != std::string::npos) {
        error_at(e->mark, "'" + s.dotted(e->key) + "' is '" + *v + "', which cannot be an Excel sheet name (at most " +
                              "31 characters, none of : \\ / ? * [ ]): write the name as it is on the sheet's tab");
        return std::nullopt;
    }
    return v;
}

void Loader::load_inboxes(const Entry* e, Config& config)
{
    if (e == nullptr || e->value.IsNull()) return;
    std::vector<std::pair<YAML::Node, YAML::Mark>> items;
    if (e->value.IsSequence()) {
        for (const auto& item : e->value) items.emplace_back(item, item.Mark());
    } else {
        items.emplace_back(e->value, e->mark);  // one inbox: a path or a map
    }
    std::map<fs::path, std::size_t> seen;
    for (std::size_t i = 0; i < items.size(); ++i) {
        const auto& [node, mark] = items[i];
        std::string name = "inbox[" + std::to_string(i) + "]";
        InboxConfig inbox;
        std::optional<fs::path> p;
        if (node.IsScalar()) {
            Section holder;  // shorthand: "- /srv/xferd/inbox"
            Entry entry{name, node, mark};
            p = path(holder, &entry);
            inbox.columns = config.columns;
        } else if (node.IsMap()) {
            Section s = section(node, mark, name, {"path", "columns", "approval_mode", "sheet"});
            p = path(s, require(s, "path", "the folder to watch"));
            inbox.columns = config.columns;
            if (auto own = columns(s, s.find("columns"))) {
                // The inbox's own mapping wins over a top-level one for the same header.
                for (const auto& [header, target] : *own) {
                    std::erase_if(inbox.columns, [&](const auto& kv) {
                        return normalise_column_name(kv.first) == normalise_column_name(header);
                    });
                    inbox.columns.emplace(header, target);
                }
            }
            inbox.approval_mode = mode(s, s.find("approval_mode"));
            inbox.sheet = sheet(s, s.find("sheet"));
        } else {
            error_at(mark, "'" + name + "' must be a folder path or a map with 'path:'");
            continue;
        }
        if (!p) continue;
        if (auto [pos, inserted] = seen.emplace(*p, i); !inserted) {
            error_at(mark, "'" + name + "': " + p->string() + " is already inbox[" +
                               std::to_string(pos->second) + "]; list each folder once");
            continue;
        }
        inbox.path = *p;
        config.inboxes.push_back(std::move(inbox));
    }
}

void Loader::load_approval(const Entry* e, ApprovalConfig& approval)
{
    if (e == nullptr) return;
    Section s = section(e->value, e->mark, "approval",
                        {"mode", "max_reject_ratio", "check_service_active",
                         "check_service_number", "check_account_holder", "max_age"});
    if (auto v = mode(s, s.find("mode"))) approval.mode = *v;
    if (auto v = real(s, s.find("max_reject_ratio"), 0, 1, "from 0 to 1 (0.5 = half the rows)"))
        approval.max_reject_ratio = *v;
    if (auto v = boolean(s, s.find("check_service_active"))) approval.check_service_active = *v;
    if (auto v = boolean(s, s.find("check_service_number"))) approval.check_service_number = *v;
    if (auto v = boolean(s, s.find("check_account_holder"))) approval.check_account_holder = *v;
    using namespace std::chrono_literals;
    if (auto v = duration(s, s.find("max_age"), 1000ms, milliseconds(std::chrono::hours(24 * 366))))
        approval.max_age = std::chrono::duration_cast<std::chrono::seconds>(*v);
}

void Loader::load_limits(const Entry* e, LimitsConfig& limits)
{
    if (e == nullptr) return;
    Section s = section(e->value, e->mark, "limits",
                        {"max_file_bytes", "max_field_bytes", "max_row_bytes", "max_columns"});
    if (auto v = byte_size(s, s.find("max_file_bytes"), 1, std::uint64_t{1} << 50))
        limits.max_file_bytes = *v;
    const Entry* field = s.find("max_field_bytes");
    if (auto v = byte_size(s, field, 1, std::uint64_t{1} << 30))
        limits.max_field_bytes = static_cast<std::size_t>(*v);
    const Entry* row = s.find("max_row_bytes");
    if (auto v = byte_size(s, row, 1, std::uint64_t{1} << 30))
        limits.max_row_bytes = static_cast<std::size_t>(*v);
    if (auto v = integer(s, s.find("max_columns"), 1, 65536))
        limits.max_columns = static_cast<std::size_t>(*v);
    if (limits.max_field_bytes > limits.max_file_bytes)
        error_at(field ? field->mark : s.mark,
                 "'limits.max_field_bytes' must not be larger than 'limits.max_file_bytes'");
    else if (limits.max_field_bytes > limits.max_row_bytes)
        error_at(field ? field->mark : row ? row->mark : s.mark,
                 "'limits.max_field_bytes' (" + format_size(limits.max_field_bytes) +
                     ") must not be larger than 'limits.max_row_bytes' (" +
                     format_size(limits.max_row_bytes) + "): a row holds its fields; raise both");
}

void Loader::load_watch(const Entry* e, WatchConfig& watch)
{
    if (e == nullptr) return;
    Section s = section(e->value, e->mark, "watch",
                        {"settle", "rescan_interval", "max_parallel_batches", "shutdown_grace"});
    using namespace std::chrono_literals;
    if (auto v = duration(s, s.find("settle"), 0ms, 3'600'000ms)) watch.settle = *v;
    if (auto v = duration(s, s.find("rescan_interval"), 1000ms, 86'400'000ms))
        watch.rescan_interval = *v;
    if (auto v = integer(s, s.find("max_parallel_batches"), 1, 64))
        watch.max_parallel_batches = static_cast<unsigned>(*v);
    if (auto v = duration(s, s.find("shutdown_grace"), 0ms, 3'600'000ms)) watch.shutdown_grace = *v;
}

void Loader::load_metrics(const Entry* e, MetricsConfig& metrics)
{
    if (e == nullptr) return;
    Section s = section(e->value, e->mark, "metrics", {"listen"});
    const Entry* listen = s.find("listen");
    auto v = text(s, listen);
    if (!v) return;
    auto address = parse_listen_address(trim_blanks(*v));
    if (!address || address->port == 0)
        error_at(listen->mark, "'metrics.listen' must be IP:PORT or [IPv6]:PORT with a port from 1 to 65535, "
                               "e.g. 127.0.0.1:9469 or [::1]:9469, not '" + *v + "'");
    else
        metrics.listen = *address;
}

void Loader::load_notify(const Entry* e, NotifyConfig& notify)
{
    if (e == nullptr) return;
    Section s = section(e->value, e->mark, "notify", {"command", "webhook", "ca_file", "timeout"});
    if (const Entry* c = s.find("command")) {
        if (auto v = text(s, c)) {
            fs::path p(trim_blanks(*v));
            if (!p.is_absolute()) {
                error_at(c->mark, "'notify.command' must be the absolute path of a program (it is run without a "
                                  "shell; put arguments in a wrapper script), not '" + *v + "'");
            } else {
                notify.command = p.lexically_normal();  // load_config checks it is executable
                out_.notify_command_line = line_of(c->mark);
            }
        }
    }
    if (auto v = url(s, s.find("webhook"))) notify.webhook = *v;
    if (auto p = path(s, s.find("ca_file"))) notify.ca_file = *p;
    using namespace std::chrono_literals;
    if (auto v = duration(s, s.find("timeout"), 100ms, 600'000ms)) notify.timeout = *v;
}

void Loader::load_state(const Entry* e, StateConfig& state)
{
    if (!e) return;
    Section s = section(e->value, e->mark, "state", {"keep_snapshots"});
    if (!s.present) return;
    using namespace std::chrono_literals;
    if (auto v = duration(s, s.find("keep_snapshots"), 0ms, 100LL * 365 * 86'400'000ms)) state.keep_snapshots = *v;
}

Result<void> Loader::run(const std::string& content)
{
    const std::string& label = out_.errors.label();
    YAML::Node root;
    try {
        root = YAML::Load(content);
    } catch (const YAML::ParserException& e) {
        return make_error(ErrorKind::config, label + " line " + std::to_string(e.mark.line + 1) +
                                                 ": not valid YAML: " + e.msg);
    } catch (const YAML::Exception& e) {
        return make_error(ErrorKind::config, label + ": not valid YAML: " + e.msg);
    }
    if (root.IsNull() || !root.IsDefined())
        return make_error(ErrorKind::config,
                          label + ": the config file is empty; see config/xferd.example.yaml");

    Config& config = out_.config;
    Section top = section(root, YAML::Mark::null_mark(), "",
                          {"api", "inbox", "columns", "sheet", "approval", "limits", "watch", "metrics", "notify",
                           "state_dir", "state"});
    if (!top.present) return out_.errors.to_error();

    load_api(top.find("api"), config.api);
    if (auto v = columns(top, top.find("columns"))) config.columns = std::move(*v);
    if (auto v = sheet(top, top.find("sheet"))) config.sheet = std::move(*v);
    load_inboxes(top.find("inbox"), config);
    load_approval(top.find("approval"), config.approval);
    load_limits(top.find("limits"), config.limits);
    load_watch(top.find("watch"), config.watch);
    load_metrics(top.find("metrics"), config.metrics);
    load_notify(top.find("notify"), config.notify);
    if (auto v = path(top, require(top, "state_dir", "where journals and the ledger live, e.g. /var/lib/xferd")))
        config.state_dir = *v;
    load_state(top.find("state"), config.state);

    return {};
}

}  // namespace

Result<ParsedConfig> parse_config(const std::string& yaml_text, const fs::path& file,
                                  const std::string& label)
{
    ParsedConfig parsed(label);
    parsed.config.config_file = file;
    auto whole_file = Loader(parsed, file).run(yaml_text);
    if (!whole_file) return whole_file.error();
    return parsed;
}

std::string to_string(ApprovalMode mode)
{
    switch (mode) {
    case ApprovalMode::automatic: return "auto";
    case ApprovalMode::manual: return "manual";
    case ApprovalMode::dry_run: return "dry-run";
    }
    return "auto";
}

std::optional<ApprovalMode> parse_approval_mode(std::string_view text)
{
    std::string v = lower_ascii(text);
    if (v == "auto") return ApprovalMode::automatic;
    if (v == "manual") return ApprovalMode::manual;
    if (v == "dry-run" || v == "dry_run" || v == "dryrun") return ApprovalMode::dry_run;
    return std::nullopt;
}

std::optional<milliseconds> parse_duration(std::string_view text)
{
    std::string t = trim_blanks(text);
    if (t.empty()) return std::nullopt;
    double value = 0;
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), value,
                                     std::chars_format::fixed);
    if (ec != std::errc{} || !std::isfinite(value) || value < 0) return std::nullopt;
    std::string unit = trim_blanks(std::string_view(end, static_cast<std::size_t>(t.data() + t.size() - end)));
    double factor = 0;
    if (unit.empty() || unit == "s") factor = 1000;
    else if (unit == "ms") factor = 1;
    else if (unit == "m" || unit == "min") factor = 60'000;
    else if (unit == "h") factor = 3'600'000;
    else if (unit == "d") factor = 86'400'000;
    else return std::nullopt;
    double ms = value * factor;
    if (ms > 1e15) return std::nullopt;  // far beyond any sane setting; avoids overflow
    return milliseconds(static_cast<std::int64_t>(std::llround(ms)));
}

std::string format_duration(milliseconds d)
{
    auto ms = d.count();
    if (ms != 0 && ms % 86'400'000 == 0) return std::to_string(ms / 86'400'000) + "d";
    if (ms != 0 && ms % 3'600'000 == 0) return std::to_string(ms / 3'600'000) + "h";
    if (ms != 0 && ms % 60'000 == 0) return std::to_string(ms / 60'000) + "m";
    if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
    return std::to_string(ms) + "ms";
}

}  // namespace xferd
