#include "xferd/service/batch_selector.hpp"

#include "xferd/service/config_loading.hpp"

#include "xferd/core/printable.hpp"

#include <cctype>
#include <iostream>

namespace xferd {

namespace fs = std::filesystem;

namespace {

bool is_hash_prefix(const std::string& s)
{
    if (s.size() < 8 || s.size() > 64) return false;
    for (char c : s)
        if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
    return true;
}

}  // namespace

Result<std::vector<BatchInfo>> select_batches(StateStore& store, const std::string& spec)
{
    if (is_hash_prefix(spec)) {
        auto found = store.batches_by_prefix(spec);
        if (!found || !found->empty()) return found;
    }
    std::error_code ec;
    if (spec.find('/') != std::string::npos || fs::exists(fs::symlink_status(spec, ec))) {
        auto path = fs::absolute(spec, ec).lexically_normal();
        return store.batches_by_file(path.string());
    }
    return store.batches_by_file(spec);
}

std::string candidate_lines(const std::vector<BatchInfo>& batches)
{
    std::string out;
    for (const auto& b : batches)
        out += "  " + printable(fs::path(b.path).filename().string()) + "  " + b.sha256.substr(0, 12) + "  " +
               std::string(to_string(b.stage)) + "  " + b.created_at + "  " + printable(b.path) + "\n";
    return out;
}

Result<Config> load_config_for_store(const std::string& config_path)
{
    auto cfg = load_config_without_secrets(config_path);
    if (!cfg) std::cerr << "xferd: " << cfg.error().message << "\n";
    return cfg;
}

Result<std::unique_ptr<StateStore>> open_store_for_reading(const Config& config)
{
    std::error_code ec;
    if (!fs::exists(sqlite_store_path(config.state_dir), ec)) return std::unique_ptr<StateStore>{};
    StoreOptions options;
    options.read_only = true;
    options.busy_timeout = std::chrono::milliseconds(10'000);
    options.cache_kib = 2 * 1024;
    return open_sqlite_store(config.state_dir, options);
}

}  // namespace xferd
