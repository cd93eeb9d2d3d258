// Files in an inbox that xferd will not take (an unknown extension: .xls, .txt, .docx, …) are
// never ignored without a word: each version gets one WARNING line and an explanation beside
// it (NAME.EXT.error.txt), once, as the store remembers.
#pragma once

#include "xferd/batch/batch_run.hpp"

#include <boost/asio/awaitable.hpp>

#include <filesystem>
#include <optional>
#include <string>

namespace xferd {

// Why an inbox entry is not taken, for the operator; nullopt for batches, approvals, xferd's
// own outputs and files that are quietly someone else's (hidden, ~$ Office locks, temp/partial).
std::optional<std::string> why_not_taken(const std::filesystem::path& path);

// Says it, once per file version, for every such file in `folder`, and for the approval files
// there that nothing waits for (approvals_not_taken.hpp).
boost::asio::awaitable<void> notice_files_not_taken(BatchServices& services, std::filesystem::path folder);

}  // namespace xferd
