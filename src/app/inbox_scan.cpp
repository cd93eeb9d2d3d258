#include "xferd/app/inbox_scan.hpp"

#include "xferd/app/report.hpp"

#include <algorithm>
#include <cctype>

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
