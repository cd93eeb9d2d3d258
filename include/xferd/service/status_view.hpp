// What `xferd status` says about a batch, from the store's values alone (pure: no I/O).
#pragma once

#include "xferd/store/state_store.hpp"

#include <boost/json/object.hpp>

#include <optional>
#include <string>

namespace xferd {

struct BatchView {
    BatchInfo batch;
    BatchCounts counts;
    std::optional<ApprovalRecord> last_approval;   // the latest approval file acted on, if any
};

// A person has to do something (approve, fix a file, check an order), or rows failed.
bool needs_attention(const BatchView& v);
// Still moving on its own: taken up again at the next `once` / `run` start.
bool in_progress(const BatchView& v);
// When the batch started waiting for its operator ("" unless it waits).
std::string waiting_since(const BatchView& v);
// The results file, when written ("" otherwise).
std::string results_path(const BatchView& v);
// What to do next, in a sentence or two (names the files to drop, the command to run).
std::string next_step(const BatchView& v);
// "leavers.csv  3f2a9c1b04d2  done  12 rows, 8 approved, 8 submitted, 0 failed, 0 in doubt  results …"
std::string status_line(const BatchView& v);
// The batch as docs/status.md describes it.
boost::json::object status_json(const BatchView& v);

}  // namespace xferd
