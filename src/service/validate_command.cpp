// `xferd validate`: offline parse + validate, row errors printed, no network.
#include "xferd/service/commands.hpp"

#include "xferd/batch/batch_options.hpp"
#include "xferd/batch/row_stream.hpp"
#include "xferd/service/config_loading.hpp"

#include <iostream>

namespace xferd {

namespace fs = std::filesystem;

int cmd_validate(const std::string& config_path, const std::vector<std::string>& files)
{
    if (files.empty()) {
        std::cerr << "xferd validate: name at least one file\n";
        return exit_usage;
    }
    LimitsConfig limits;
    std::optional<Config> cfg;
    if (!config_path.empty()) {
        auto loaded = load_or_report(config_path);
        if (!loaded) return exit_usage;
        cfg = *loaded;
        limits = cfg->limits;
    }
    bool all_ok = true;
    for (const auto& f : files) {
        const BatchOptions options = cfg ? batch_options_for(*cfg, fs::absolute(f).parent_path()) : BatchOptions{};
        RowStream rows(f, format_for_path(f), options.columns, limits, options.sheet);
        std::size_t total = 0, invalid = 0;
        while (auto row = rows.next()) {
            ++total;
            if (row->valid()) continue;
            ++invalid;
            std::cout << f << ": row " << row->row.row << ": " << row->error_text() << "\n";
        }
        if (rows.error()) {
            const auto& e = *rows.error();
            std::cout << f << ": FILE ERROR" << (e.line ? " at line " + std::to_string(*e.line) : "")
                      << (e.byte_offset ? " (byte " + std::to_string(*e.byte_offset) + ")" : "") << ": " << e.message
                      << "\n";
            all_ok = false;
            continue;
        }
        std::cout << f << ": " << total << " rows, " << (total - invalid) << " valid, " << invalid << " invalid\n";
        all_ok &= invalid == 0;
    }
    return all_ok ? exit_ok : exit_attention;
}

}  // namespace xferd
