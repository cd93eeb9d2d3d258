// An approval file (NAME.approve, NAME.approved.csv, NAME.approved.xlsx) is read only while
// NAME's batch waits for the operator. One dropped at any other time (the batch is done,
// rejected, held, still confirming, or was never dropped) is never ignored without a word: each
// version gets one WARNING line and NAME.approved.csv.error.txt beside it saying what state the
// batch is in and what to do, once, as the store remembers.
#pragma once

#include "xferd/batch/batch_run.hpp"

#include <boost/asio/awaitable.hpp>

#include <filesystem>
#include <optional>
#include <string>

namespace xferd {

// Why `approval` is not read, given the newest batch whose outputs sit beside it (nullopt: no
// batch was ever taken under that name); nullopt when the batch waits for it.
std::optional<std::string> why_approval_not_taken(const std::filesystem::path& approval,
                                                  const std::optional<BatchInfo>& newest);

// Says it, once per file version, for every such approval file in `folder`; versions the batch
// acted on (accepted or refused) stay quiet.
boost::asio::awaitable<void> notice_approvals_not_taken(BatchServices& services, std::filesystem::path folder);

}  // namespace xferd
