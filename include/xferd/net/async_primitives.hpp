// Small coroutine synchronisation helpers for a single-threaded io_context: a timer parked at
// time_point::max() serves as a condition variable (cancel() wakes the waiters).
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <utility>

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

class SemaphorePermit;

// Counting semaphore: bounds the requests in flight. A permit is only ever held as a
// SemaphorePermit, which gives it back when it goes out of scope.
class AsyncSemaphore {
public:
    AsyncSemaphore(asio::any_io_executor ex, std::size_t permits) : available_(permits), cond_(ex) {}
    // A permit, or an empty one when the calling coroutine was asked to stop before one was free.
    asio::awaitable<SemaphorePermit> acquire();
    [[nodiscard]] std::size_t available() const { return available_; }

private:
    friend class SemaphorePermit;
    void release()
    {
        ++available_;
        cond_.notify_one();
    }
    std::size_t available_;
    AsyncCondition cond_;
};

class SemaphorePermit {
public:
    SemaphorePermit() = default;
    SemaphorePermit(SemaphorePermit&& o) noexcept : sem_(std::exchange(o.sem_, nullptr)) {}
    SemaphorePermit(const SemaphorePermit&) = delete;
    SemaphorePermit& operator=(const SemaphorePermit&) = delete;
    SemaphorePermit& operator=(SemaphorePermit&&) = delete;
    ~SemaphorePermit()
    {
        if (sem_) sem_->release();
    }
    explicit operator bool() const { return sem_ != nullptr; }

private:
    friend class AsyncSemaphore;
    explicit SemaphorePermit(AsyncSemaphore& s) : sem_(&s) {}
    AsyncSemaphore* sem_ = nullptr;
};

inline asio::awaitable<SemaphorePermit> AsyncSemaphore::acquire()
{
    auto state = co_await asio::this_coro::cancellation_state;
    for (;;) {
        if (state.cancelled() != asio::cancellation_type::none) {
            if (available_ > 0) cond_.notify_one();   // a wake-up meant for us goes to the next waiter
            co_return SemaphorePermit{};
        }
        if (available_ > 0) break;
        co_await cond_.wait();
    }
    --available_;
    co_return SemaphorePermit(*this);
}

// Waits `d`; false when the calling coroutine is asked to stop before or during the wait (the
// wait ends at once then: the timer's wait is cancelled through the coroutine's slot).
inline asio::awaitable<bool> cancellable_sleep(std::chrono::steady_clock::duration d)
{
    auto state = co_await asio::this_coro::cancellation_state;
    if (state.cancelled() != asio::cancellation_type::none) co_return false;
    asio::steady_timer timer(co_await asio::this_coro::executor, d);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    co_return state.cancelled() == asio::cancellation_type::none;
}

}  // namespace xferd
