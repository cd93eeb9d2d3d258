// The operator's answer to a batch waiting in manual mode, as `xferd once` finds it next to the
// input (the daemon reacts to the same files as they appear): NAME.approve, NAME.approved.csv or
// NAME.approved.xlsx (the newest written after the confirmation),
// checked against NAME.confirmation.csv — what the operator was shown — and the input's content.
#pragma once

#include <filesystem>
#include <set>
#include <string>

#include <chrono>

namespace xferd {

struct OperatorApproval {
    enum class Kind {
        none,      // no approval newer than the confirmation: the batch keeps waiting
        refused,   // an approval that cannot be honoured (see message); nothing is submitted
        accepted,  // submit the eligible rows among `external_order_numbers`
    };
    Kind kind = Kind::none;
    std::string message;
    std::filesystem::path file;                 // the approval file acted on
    std::set<std::string> external_order_numbers;
};

OperatorApproval find_operator_approval(const std::filesystem::path& input, const std::string& confirmed_sha256,
                                        std::chrono::seconds max_age);

}  // namespace xferd
