// `xferd reconfirm`: what may be confirmed anew, and the store change that asks for it.
#pragma once

#include "xferd/store/state_store.hpp"

#include <optional>
#include <string>

namespace xferd {

// Why this batch cannot be confirmed anew (nullopt: it can): only a batch waiting for approval
// (its approval refused as stale, say), held by the gate, or a dry-run that is done.
std::optional<std::string> reconfirm_refusal(const BatchInfo& b);

// Inside a write transaction: gate, confirmation, results and accepted approval are forgotten;
// a batch nothing of which was sent is read again from its snapshot (`validating`), else its
// unsubmitted rows are reset (`confirming`). Returns how many rows are confirmed anew.
Result<std::size_t> mark_for_reconfirm(StateStore& store, BatchInfo b, const std::string& at);

}  // namespace xferd
