// The validated configuration (every key: docs/configuration.md) and its schema: from the
// config file's text to `Config`, pure (no file or environment access; secrets are described
// here and read by the service layer, see xferd/service/config_loading.hpp: load_config).
#pragma once

#include "xferd/core/row.hpp"

#include "xferd/core/config_errors.hpp"
#include "xferd/core/error.hpp"
#include "xferd/core/listen_address.hpp"
#include "xferd/core/limits.hpp"
#include "xferd/core/proxy_settings.hpp"

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xferd {

enum class ApprovalMode { automatic, manual, dry_run };  // YAML: auto | manual | dry-run

// Where a secret came from, for `xferd check` (never the value itself).
struct SecretSource {
    enum class Kind { none, credential, file, env, not_read };  // not_read: SecretsMode::skip
    Kind kind = Kind::none;
    std::string name;                  // credential name (client_secret) or env variable (XFERD_…)
    std::filesystem::path file;        // the file read (credential or *_file), absolute
    bool readable_by_others = false;   // group or other may read that file (noted, not refused)
};
// "<redacted, from /etc/xferd/client_secret>", "<redacted, from env XFERD_PASSWORD>", …
std::string describe(const SecretSource& source);

struct ApiConfig {
    std::string base_url;    // https://host:port/mobproc/v1 (no trailing slash)
    std::string token_url;   // https://host:port/as/token.oauth2
    std::string tenant;
    std::string client_id;
    std::string client_secret;  // resolved secret value; never printed
    std::string username;
    std::string password;       // resolved secret value; never printed
    std::optional<std::filesystem::path> ca_file;  // absent: system trust store
    unsigned concurrency = 16;                     // requests in flight
    std::chrono::milliseconds connect_timeout{10'000};   // TCP connect
    std::chrono::milliseconds tls_timeout{10'000};       // TLS handshake
    std::chrono::milliseconds request_timeout{30'000};   // one whole request (write + read)
    unsigned max_attempts = 6;                           // per idempotent call
    std::chrono::milliseconds retry_base_delay{200};
    std::chrono::milliseconds retry_max_delay{10'000};
    // When a call has used up its attempts and no call at all has succeeded for this long, the
    // API is down: the batch pauses (and probes) instead of failing its rows one by one.
    std::chrono::milliseconds outage_after{15'000};
    // An outage is waited out this long at most (counted from the last call that succeeded);
    // then the batch stops untouched and is taken again at the next run. 0: no limit.
    std::chrono::milliseconds outage_limit{900'000};
    // How long after an IN DOUBT submit to look the order up (GET /orders): a request that
    // timed out may still be processed by the server after we gave up on it.
    std::chrono::milliseconds reconcile_delay{60'000};
    double rate_limit = 0;                               // requests per second; 0: no limit
    std::uint64_t max_response_bytes = 256 * 1024;       // one answer's body; larger: a failed attempt
    std::chrono::milliseconds max_retry_after{60'000};   // a longer Retry-After waits this cap
    // One row's call with all its retries (time paused in an API outage not counted); then the
    // row is FAILED and asked again at the next run.
    std::chrono::milliseconds row_deadline{600'000};
    SecretSource client_secret_source;
    SecretSource password_source;
    // api.proxy, or (the key absent) HTTPS_PROXY / NO_PROXY: filled by load_config.
    ProxySettings proxy;
    std::string proxy_username;   // api.proxy_username, else the user in HTTPS_PROXY's URL
    std::string proxy_password;   // resolved secret; never printed
    SecretSource proxy_password_source;
};

struct ApprovalConfig {
    ApprovalMode mode = ApprovalMode::automatic;
    double max_reject_ratio = 0.5;
    bool check_service_active = true;
    bool check_service_number = true;
    bool check_account_holder = true;
    std::chrono::seconds max_age{24 * 3600};  // manual approvals older than this are stale
};

struct InboxConfig {
    std::filesystem::path path;
    ColumnMapping columns;                       // merged over the top-level `columns:`
    std::optional<ApprovalMode> approval_mode;   // overrides approval.mode for this inbox
    std::optional<std::string> sheet;            // overrides the top-level `sheet:` for this inbox
};

// `limits:` is the batch reader's BatchLimits itself (one type, one set of defaults).
using LimitsConfig = BatchLimits;

// The inbox watcher: a file is taken once unchanged for `settle`; folders are rescanned every
// `rescan_interval` as a safety net (missed events, network file systems).
struct WatchConfig {
    std::chrono::milliseconds settle{2'000};
    std::chrono::milliseconds rescan_interval{30'000};
    // `xferd run`: batches processed at once (they share api.concurrency), and how long SIGTERM
    // waits for running batches before the daemon exits anyway.
    unsigned max_parallel_batches = 2;
    std::chrono::milliseconds shutdown_grace{30'000};
};

// `metrics:` — /metrics and /healthz over plain HTTP; off unless `listen` is set.
struct MetricsConfig {
    std::optional<ListenAddress> listen;
};

// `notify:` — tell people when a batch needs them (docs/monitoring.md § Notifications).
struct NotifyConfig {
    std::optional<std::filesystem::path> command;   // absolute; run without a shell, event on stdin
    std::optional<std::string> webhook;             // https:// URL; the event POSTed as JSON
    std::optional<std::filesystem::path> ca_file;   // webhook trust; absent: api.ca_file, else the system store
    std::chrono::milliseconds timeout{10'000};      // one attempt of the command or the webhook
};

// `state:` — what xferd keeps in state_dir.
struct StateConfig {
    // Snapshots (copies of taken inputs) of batches finished longer ago than this are deleted at
    // the start of `once` and `run`; 0 keeps them forever.
    std::chrono::milliseconds keep_snapshots{30LL * 24 * 3600 * 1000};
};

struct Config {
    std::filesystem::path config_file;   // absolute
    ApiConfig api;
    std::vector<InboxConfig> inboxes;
    ColumnMapping columns;               // top-level mapping (for files outside any inbox)
    std::string sheet;                   // .xlsx batches: the sheet to read; empty: the first visible one
    ApprovalConfig approval;
    LimitsConfig limits;
    WatchConfig watch;
    MetricsConfig metrics;
    NotifyConfig notify;
    std::filesystem::path state_dir;
    StateConfig state;
};

// Where one secret may come from, in the order tried: the systemd credential, api.*_file,
// the environment. Its value in the YAML itself is refused.
struct SecretSpec {
    std::string_view what;        // "client secret"
    std::string_view credential;  // systemd credential name
    std::string_view file_key;    // api.*_file
    std::string_view env_var;
    std::string_view yaml_key;    // the key refused in the YAML
};
inline constexpr SecretSpec client_secret_spec{"client secret", "client_secret", "client_secret_file",
                                               "XFERD_CLIENT_SECRET", "client_secret"};
inline constexpr SecretSpec password_spec{"password", "password", "password_file", "XFERD_PASSWORD",
                                          "password"};
inline constexpr SecretSpec proxy_password_spec{"proxy password", "proxy_password", "proxy_password_file",
                                                "XFERD_PROXY_PASSWORD", "proxy_password"};

// What the schema found about one secret; the service layer reads it (or reports it missing).
struct SecretRequest {
    explicit SecretRequest(const SecretSpec& which) : spec(which) {}
    SecretSpec spec;
    bool wanted = false;                        // false: `api` is unusable or the YAML holds the value
    std::optional<int> api_line;                // where `api:` starts (errors about the secret)
    bool file_key_given = false;                // api.*_file is set …
    std::optional<std::filesystem::path> file;  // … to this (nullopt: unusable, already an error)
    std::optional<int> file_line;
};

// The schema's result: the config so far, the problems found, and what still needs the
// file system (secrets, the notify command's executable bit).
struct ParsedConfig {
    explicit ParsedConfig(std::string label) : errors(std::move(label)) {}
    Config config;
    ConfigErrors errors;
    SecretRequest client_secret{client_secret_spec};
    SecretRequest password{password_spec};
    SecretRequest proxy_password{proxy_password_spec};  // wanted only with api.proxy_username
    bool proxy_key_given = false;            // api.proxy is in the file: the environment is not read
    std::optional<int> notify_command_line;  // notify.command given and absolute
};

// The YAML text of `file` (absolute; relative paths in it are resolved against its folder)
// → the config. `label` is the file as the user named it, for messages. An error here is the
// whole file's (not YAML, empty); problems of keys are in ParsedConfig::errors.
Result<ParsedConfig> parse_config(const std::string& yaml_text, const std::filesystem::path& file,
                                  const std::string& label);

// The effective configuration as YAML text with secrets redacted (for `xferd check`).
std::string describe_config(const Config& config);

std::string to_string(ApprovalMode mode);
// "auto" | "manual" | "dry-run" → the mode; nullopt for anything else.
std::optional<ApprovalMode> parse_approval_mode(std::string_view text);

// Durations as the config spells them: "500ms", "10s", "2m", "1h", "1d", or a bare number of
// seconds ("1.5"). nullopt when malformed or negative.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);
std::string format_duration(std::chrono::milliseconds d);  // the largest exact unit: "2m", "1500ms"

}  // namespace xferd
