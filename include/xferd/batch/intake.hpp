// Taking a file from an inbox: what the store says has been done for this path and this
// content decides what happens now (never the file's age, a report's existence or its contents):
//
// - not a file of its own (symlink, FIFO, device): refused, never opened; said once per version;
// - modified within `settle`, or still open for writing: left for the next run;
// - seen before with the same stamp: the same content, not read again;
// - new content: snapshot + SHA-256 → a new batch, or the batch that content already is:
//   * the same path again (touched or dropped again): an unfinished batch goes on; a held,
//     rejected, dry-run or waiting batch starts afresh (confirmed anew); a done one is done;
//   * another path: a held, rejected or dry-run batch starts afresh there; any other is a
//     DUPLICATE of the first path (NAME.error.txt names it), nothing submitted again;
// - a done batch whose reports at this path were deleted (or never written: a read-only folder)
//   gets them written again from the store, without any API call.
// Disk trouble (the snapshot cannot be written) is not the file's fault: it is left as it is and
// taken at the next run.
#pragma once

#include "xferd/batch/batch_run.hpp"

#include <boost/asio/awaitable.hpp>

#include <filesystem>
#include <string>

namespace xferd {

struct Intake {
    enum class Kind { run, nothing_to_do, duplicate, left_for_later, refused, rejected, state_error };
    Kind kind = Kind::nothing_to_do;
    BatchId batch = 0;
    std::string message;
    bool restarted = false;   // run: the batch starts afresh (touched or dropped again), even if it ran already
};

// The store has written the reports of this batch, but they are not there now (deleted, or the
// folder was read-only): taking its input again writes them from the store, with no API call.
bool outputs_missing(const BatchInfo& batch);

asio::awaitable<Intake> take_file(BatchServices& services, const std::filesystem::path& path,
                                  const BatchOptions& options);

// An outcome for an intake that does not run a batch (what `once` prints for it).
BatchOutcome outcome_of(const Intake& intake, const std::filesystem::path& path);

}  // namespace xferd
