#include "xferd/service/inbox_scan.hpp"

#include "xferd/batch/report.hpp"

#include <algorithm>
#include <cctype>
#include <sys/stat.h>
#include <string>

namespace xferd {

namespace fs = std::filesystem;

bool is_batch_candidate(const fs::path& path)
{
    const std::string name = path.filename().string();
    if (name.empty() || name.front() == '.' || name.starts_with("~$") || name.back() == '~') return false;
    std::string ext = path.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    if (ext != ".csv" && ext != ".json" && ext != ".ndjson" && ext != ".jsonl" && ext != ".xlsx") return false;
    return !is_xferd_output(path);
}

std::vector<fs::path> list_batches(const fs::path& folder)
{
    std::vector<std::pair<std::int64_t, fs::path>> found;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(folder, ec)) {
        if (!is_batch_candidate(entry.path())) continue;
        struct stat st {};
        if (::lstat(entry.path().c_str(), &st) != 0 || S_ISDIR(st.st_mode)) continue;
        found.emplace_back(static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec,
                           entry.path());
    }
    std::sort(found.begin(), found.end());
    std::vector<fs::path> out;
    for (auto& [t, p] : found) out.push_back(std::move(p));
    return out;
}

}  // namespace xferd
