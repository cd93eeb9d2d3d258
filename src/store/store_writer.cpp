#include "xferd/store/store_writer.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <future>

namespace xferd {

StoreWriter::StoreWriter(std::unique_ptr<StateStore> store, StoreWriterOptions options)
    : store_(std::move(store)), options_(std::move(options)), thread_([this] { loop(); })
{
}

StoreWriter::~StoreWriter()
{
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
}

void StoreWriter::enqueue(Entry e)
{
    bool wake = false;
    {
        std::lock_guard lock(mutex_);
        // Only what ends the writer's wait wakes it: a loose job joining a queue it already
        // waits on would cost a futex call and a thread switch per row for nothing.
        wake = queue_.empty() || e.durable || queue_.size() + 1 >= options_.max_jobs_per_commit;
        has_durable_ = has_durable_ || e.durable;
        queue_.push_back(std::move(e));
    }
    if (wake) wake_.notify_one();
}

asio::awaitable<Result<void>> StoreWriter::write(Job job)
{
    auto ex = co_await asio::this_coro::executor;
    // A timer parked at max() is the condition the writer thread signals (its pending wait also
    // keeps the io_context running meanwhile).
    asio::steady_timer signal(ex, asio::steady_timer::time_point::max());
    std::optional<Error> error;
    bool finished = false;
    enqueue(Entry{std::move(job), true, [&, ex](std::optional<Error> e) {
                      asio::post(ex, [&, e = std::move(e)]() mutable {
                          error = std::move(e);
                          finished = true;
                          signal.cancel();
                      });
                  }});
    while (!finished) co_await signal.async_wait(asio::as_tuple(asio::use_awaitable));
    if (error) co_return *error;
    co_return Result<void>{};
}

void StoreWriter::write_later(Job job) { enqueue(Entry{std::move(job), false, {}}); }

asio::awaitable<Result<void>> StoreWriter::flush()
{
    Job nothing = [](StateStore&) { return Result<void>{}; };
    co_return co_await write(std::move(nothing));
}

Result<void> StoreWriter::write_now(Job job)
{
    std::promise<std::optional<Error>> promise;
    auto future = promise.get_future();
    enqueue(Entry{std::move(job), true, [&](std::optional<Error> e) { promise.set_value(std::move(e)); }});
    if (auto e = future.get()) return *e;
    return {};
}

std::optional<Error> StoreWriter::failure() const
{
    std::lock_guard lock(mutex_);
    return failure_;
}

std::uint64_t StoreWriter::commits() const
{
    std::lock_guard lock(mutex_);
    return commits_;
}

void StoreWriter::loop()
{
    std::unique_lock lock(mutex_);
    for (;;) {
        if (queue_.empty()) {
            if (stopping_) return;
            wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            continue;
        }
        // Loose jobs wait a little for company; a durable one goes at once and takes them along.
        if (!has_durable_ && !stopping_ && queue_.size() < options_.max_jobs_per_commit) {
            wake_.wait_for(lock, options_.loose_delay, [&] {
                return stopping_ || has_durable_ || queue_.size() >= options_.max_jobs_per_commit;
            });
        }
        std::deque<Entry> batch;
        while (!queue_.empty() && batch.size() < options_.max_jobs_per_commit) {
            batch.push_back(std::move(queue_.front()));
            queue_.pop_front();
        }
        has_durable_ = std::any_of(queue_.begin(), queue_.end(), [](const Entry& e) { return e.durable; });
        lock.unlock();
        commit_batch(batch);
        lock.lock();
    }
}

void StoreWriter::commit_batch(std::deque<Entry>& batch)
{
    const auto started = std::chrono::steady_clock::now();
    std::optional<Error> error;
    if (auto b = store_->begin(); !b) {
        error = b.error();
    } else {
        for (auto& e : batch) {
            if (auto r = e.job(*store_); !r) {
                error = r.error();
                break;
            }
        }
        if (error) store_->rollback();
        else if (auto c = store_->commit(); !c) error = c.error();
    }
    if (options_.on_commit) options_.on_commit(std::chrono::steady_clock::now() - started);
    bool loose_lost = false;
    for (auto& e : batch) {
        if (e.durable) e.done(error);
        else loose_lost = true;
    }
    std::lock_guard lock(mutex_);
    ++commits_;
    if (error && loose_lost && !failure_) failure_ = error;
}

}  // namespace xferd
