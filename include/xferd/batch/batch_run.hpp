// One batch, driven from the state store: the driver of core/batch_flow.hpp's state machine.
// `run_batch` asks the store what the batch needs next, does it (validate, confirm, decide,
// write the confirmation, look up, submit, finish, write the results), and asks again, until
// the batch waits (for an operator), is finished for this run, or a stop comes.
#pragma once

#include "xferd/batch/batch_options.hpp"
#include "xferd/core/batch_state.hpp"
#include "xferd/net/async_primitives.hpp"
#include "xferd/net/mobproc_client.hpp"
#include "xferd/store/state_store.hpp"
#include "xferd/store/store_writer.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace xferd {

// How far a pass is, for a progress line on a terminal (and the metrics).
struct BatchProgress {
    std::string file;          // the input's file name
    std::string phase;         // "validating", "confirming", "submitting", "looking up"
    std::size_t done = 0;
    std::size_t total = 0;
};

// What every batch of a process shares.
struct BatchServices {
    MobprocClient& client;
    AsyncSemaphore& budget;          // api.concurrency requests in flight, across batches
    StoreWriter& writer;             // every write to the store (group commit)
    StateStore& reader;              // reads on the io thread (short, indexed)
    asio::thread_pool& workers;      // long store reads and report writing, off the io thread
    std::filesystem::path state_dir;
    std::function<void(const BatchProgress&)> progress;   // optional
};

struct BatchOutcome {
    enum class End {
        finished,              // every row has its final word for this run (counts say how)
        waiting_for_approval,  // manual mode: confirmed and reported, the operator decides
        held,                  // the batch gate: nothing submitted
        rejected,              // a bad file: nothing submitted (message says why)
        duplicate,             // this content came first under another name (message names it)
        nothing_to_do,         // handled before, nothing left
        left_for_later,        // still being written: taken at the next run
        refused,               // not a file of its own (symlink, FIFO…): never opened
        interrupted,           // stopped (SIGTERM): resumes at the next run
        api_unavailable,       // unreachable, authentication, or every first call failed: untouched
        state_error,           // the store, the snapshot or a report could not be written
    };
    End end = End::finished;
    std::filesystem::path input;
    std::string sha256;
    BatchStage stage = BatchStage::validating;
    std::string message;
    BatchCounts counts;
    std::vector<std::filesystem::path> reports;   // written this run, for the summary
    std::filesystem::path html_report;
    bool reports_failed = false;                  // some report could not be written (see message)
    std::string approve_hint;                     // waiting: exactly how to approve

    // Something a person must look at: rows FAILED, IN_DOUBT or unfinished, a rejected, held or
    // refused file, an unwritten report, a store problem.
    [[nodiscard]] bool needs_attention() const;
    // One line for the terminal and the process log.
    [[nodiscard]] std::string summary() const;
};

asio::awaitable<BatchOutcome> run_batch(BatchServices& services, BatchId batch, BatchOptions options);

// The time as the store records it: "2026-12-02T10:00:00.123Z" (UTC, milliseconds).
std::string now_iso();

}  // namespace xferd
