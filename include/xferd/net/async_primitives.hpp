// Small coroutine synchronisation helpers for a single-threaded io_context: a timer parked at
// time_point::max() serves as a condition variable (cancel() wakes the waiters).
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <set>

namespace xferd {

namespace asio = boost::asio;

class AsyncCondition {
public:
    explicit AsyncCondition(asio::any_io_executor ex) : timer_(ex, asio::steady_timer::time_point::max()) {}
    // Waits until notify_*() (or cancellation). Spurious wakes are possible: re-check in a loop.
    asio::awaitable<void> wait()
    {
        co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    void notify_one() { timer_.cancel_one(); }
    void notify_all() { timer_.cancel(); }

private:
    asio::steady_timer timer_;
};

// Counting semaphore: bounds the requests in flight.
class AsyncSemaphore {
public:
    AsyncSemaphore(asio::any_io_executor ex, std::size_t permits) : available_(permits), cond_(ex) {}
    asio::awaitable<void> acquire()
    {
        while (available_ == 0) co_await cond_.wait();
        --available_;
    }
    void release()
    {
        ++available_;
        cond_.notify_one();
    }
    [[nodiscard]] std::size_t available() const { return available_; }

private:
    std::size_t available_;
    AsyncCondition cond_;
};

// Releases a permit when it goes out of scope.
class SemaphorePermit {
public:
    explicit SemaphorePermit(AsyncSemaphore& s) : sem_(&s) {}
    SemaphorePermit(SemaphorePermit&& o) noexcept : sem_(o.sem_) { o.sem_ = nullptr; }
    SemaphorePermit(const SemaphorePermit&) = delete;
    SemaphorePermit& operator=(const SemaphorePermit&) = delete;
    SemaphorePermit& operator=(SemaphorePermit&&) = delete;
    ~SemaphorePermit()
    {
        if (sem_) sem_->release();
    }

private:
    AsyncSemaphore* sem_;
};

// Sleeps that stop() ends at once, however many are waiting (SIGTERM during a retry wait).
class StopSignal {
public:
    explicit StopSignal(asio::any_io_executor ex) : ex_(std::move(ex)) {}
    StopSignal(const StopSignal&) = delete;
    StopSignal& operator=(const StopSignal&) = delete;

    // Waits `d`; false when stopped (before or during the wait).
    asio::awaitable<bool> sleep_for(std::chrono::steady_clock::duration d)
    {
        if (stopped_) co_return false;
        asio::steady_timer timer(ex_, d);
        Registration registered(timers_, timer);
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        co_return !stopped_;
    }
    void stop()
    {
        stopped_ = true;
        for (auto* t : timers_) t->cancel();
    }
    [[nodiscard]] bool stopped() const { return stopped_; }

private:
    struct Registration {
        Registration(std::set<asio::steady_timer*>& set, asio::steady_timer& t) : set_(set), timer_(&t) { set_.insert(timer_); }
        ~Registration() { set_.erase(timer_); }
        Registration(const Registration&) = delete;
        Registration& operator=(const Registration&) = delete;
        std::set<asio::steady_timer*>& set_;
        asio::steady_timer* timer_;
    };
    asio::any_io_executor ex_;
    std::set<asio::steady_timer*> timers_;
    bool stopped_ = false;
};

// Counts outstanding tasks; wait() returns when the count drops to zero.
class TaskCounter {
public:
    explicit TaskCounter(asio::any_io_executor ex) : cond_(ex) {}
    void add() { ++count_; }
    void done()
    {
        if (--count_ == 0) cond_.notify_all();
    }
    asio::awaitable<void> wait()
    {
        while (count_ != 0) co_await cond_.wait();
    }
    [[nodiscard]] std::size_t count() const { return count_; }

private:
    std::size_t count_ = 0;
    AsyncCondition cond_;
};

}  // namespace xferd
