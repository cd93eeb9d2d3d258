// NAME.approved.xlsx: NAME.confirmation.xlsx saved back by the operator with its `approve`
// column filled in Excel or LibreOffice. Read from its first visible sheet and checked by the
// same rules as NAME.approved.csv (approval.hpp, parse_approved_rows): yes / y / x / 1 / TRUE
// approve, whether Excel kept them as text, a number or a boolean.
#pragma once

#include "xferd/core/approval.hpp"

#include <filesystem>

namespace xferd {

// Errors say what is wrong with the file and what to do (they do not repeat its name).
Result<ApprovalInput> parse_approved_xlsx(const std::filesystem::path& path);

}  // namespace xferd
