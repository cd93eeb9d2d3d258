// The operator's answer to a batch waiting in manual mode, one implementation for `once` and
// `run`: NAME.approve or NAME.approved.csv next to the input, checked against the batch as the
// store holds it (what the confirmation report showed). Each version of an approval file is
// acted on once (the store remembers it, with its SHA-256 and owner); an accepted one gives every
// eligible row the operator's verdict and sends the batch on to submitting.
#pragma once

#include "xferd/batch/batch_run.hpp"

#include <boost/asio/awaitable.hpp>

#include <filesystem>
#include <string>

namespace xferd {

struct ApprovalOutcome {
    enum class Kind {
        none,      // no approval written since the confirmation (or only versions acted on before)
        refused,   // the approval cannot be honoured: see message (written to NAME.error.txt too)
        accepted,  // the batch goes on: submitting the eligible rows the operator approved
    };
    Kind kind = Kind::none;
    std::string message;
    std::filesystem::path file;
};

asio::awaitable<ApprovalOutcome> act_on_operator_approval(BatchServices& services, BatchId batch,
                                                          const ApprovalConfig& approval);

}  // namespace xferd
