// The validated configuration (see shared interfaces.md § Config). Built by load_config.
#pragma once

#include "xferd/core/row.hpp"

#include "xferd/core/error.hpp"

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace xferd {

enum class ApprovalMode { automatic, manual, dry_run };  // YAML: auto | manual | dry-run

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
};

struct LimitsConfig {
    std::uint64_t max_file_bytes = 256ull * 1024 * 1024;
    std::size_t max_field_bytes = 64 * 1024;
};

struct Config {
    std::filesystem::path config_file;   // absolute
    ApiConfig api;
    std::vector<InboxConfig> inboxes;
    ColumnMapping columns;               // top-level mapping (for files outside any inbox)
    ApprovalConfig approval;
    LimitsConfig limits;
    std::filesystem::path state_dir;
};

// Looks a variable up in the environment; injectable so tests need not touch the real one.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
EnvLookup process_env();

// Reads and validates the YAML config. Errors name the file, the key and its line, and say
// what to do; secret values never appear in them.
Result<Config> load_config(const std::filesystem::path& file,
                                                       const EnvLookup& env = process_env());

// The effective configuration as YAML text with secrets redacted (for `xferd check`).
std::string describe_config(const Config& config);

std::string to_string(ApprovalMode mode);

}  // namespace xferd
