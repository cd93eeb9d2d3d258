#include "xferd/service/inbox_scan.hpp"

#include "xferd/batch/report.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <string>

namespace xferd {

namespace fs = std::filesystem;

bool is_batch_candidate(const fs::path& path)
{
    const std::string name = path.filename().string();
    if (name.empty() || name.front() == '.' || name.starts_with("~$") || name.back() == '~') return false;
    std::string ext = path.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    if (ext != ".csv" && ext != ".json" && ext != ".ndjson" && ext != ".jsonl") return false;
    return !is_xferd_output(path);
}

bool already_handled(const fs::path& input)
{
    std::error_code ec;
    const auto written = fs::last_write_time(input, ec);
    if (ec) return false;
    const OutputPaths out = output_paths_for(input);
    auto newer = [&](const fs::path& p) {
        std::error_code e;
        auto t = fs::last_write_time(p, e);
        return !e && t >= written;
    };
    // A note without a confirmation is a rejected file or a duplicate drop; with one, it is a
    // refused approval, and the batch still waits for the operator.
    if (newer(out.error_txt) && !newer(out.confirmation_csv)) return true;
    if (!newer(out.results_csv)) return false;
    std::ifstream results(out.results_csv, std::ios::binary);
    for (std::string line; std::getline(results, line);)
        if (line.find(",IN_DOUBT,") != std::string::npos) return false;
    return true;
}

std::vector<fs::path> list_batches(const fs::path& folder)
{
    std::vector<std::pair<fs::file_time_type, fs::path>> found;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(folder, ec)) {
        if (!entry.is_regular_file(ec) || !is_batch_candidate(entry.path())) continue;
        found.emplace_back(entry.last_write_time(ec), entry.path());
    }
    std::sort(found.begin(), found.end());
    std::vector<fs::path> out;
    for (auto& [t, p] : found) out.push_back(std::move(p));
    return out;
}

}  // namespace xferd
