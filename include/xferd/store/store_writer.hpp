// Group commit: writes to the state store from the io_context without blocking it. Jobs queued
// here run on the writer's own thread, every job queued meanwhile in the same transaction, so one
// commit (one fsync) makes many rows durable at once.
//
// - write(): durable when it completes (a submit's intent goes this way: the rule that never
//   bends is that the intent is on disk before the request is written);
// - write_later(): committed with the next write(), or within `loose_delay` (confirm answers,
//   submit outcomes: if a crash loses one, the row is simply confirmed again or looked up);
// - a failed transaction fails every job in it; failure() keeps the first error of a
//   write_later() so the batch stops instead of running on without its memory.
#pragma once

#include "xferd/core/error.hpp"
#include "xferd/store/state_store.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

namespace xferd {

namespace asio = boost::asio;

struct StoreWriterOptions {
    std::chrono::milliseconds loose_delay{100};
    std::size_t max_jobs_per_commit = 4096;
    // Called on the writer thread after each commit with how long it took (metrics).
    std::function<void(std::chrono::duration<double>)> on_commit;
};

class StoreWriter {
public:
    using Job = std::function<Result<void>(StateStore&)>;

    StoreWriter(std::unique_ptr<StateStore> store, StoreWriterOptions options = {});
    ~StoreWriter();   // commits what is queued, then stops the thread
    StoreWriter(const StoreWriter&) = delete;
    StoreWriter& operator=(const StoreWriter&) = delete;

    // Runs `job` in the next transaction and completes once that transaction is committed.
    asio::awaitable<Result<void>> write(Job job);
    void write_later(Job job);
    // Everything queued so far is committed.
    asio::awaitable<Result<void>> flush();
    // Blocking form for code outside a coroutine (commands, tests).
    Result<void> write_now(Job job);

    [[nodiscard]] std::optional<Error> failure() const;
    [[nodiscard]] std::uint64_t commits() const;

private:
    struct Entry {
        Job job;
        bool durable = false;
        std::function<void(std::optional<Error>)> done;   // durable entries: called on the writer thread
    };
    void enqueue(Entry e);
    void loop();
    void commit_batch(std::deque<Entry>& batch);

    std::unique_ptr<StateStore> store_;
    StoreWriterOptions options_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Entry> queue_;
    bool has_durable_ = false;
    bool stopping_ = false;
    std::optional<Error> failure_;
    std::uint64_t commits_ = 0;
    std::thread thread_;
};

}  // namespace xferd
