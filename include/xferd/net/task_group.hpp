// The coroutines one batch (or one pass of a batch) starts, and how they are stopped: each child
// gets a cancellation slot of its own (bind_cancellation_slot on its co_spawn), so a stop reaches
// every one of them and nothing else. On the single io thread, like the rest of xferd.
//
// Stopping is two emissions (as Beast's advanced server does on its first and second signal):
//   total     no new work; waits (rate limit, retry back-off, reconcile delay, token back-off,
//             a permit of the request budget) end now. An HTTP exchange under way goes on
//             (see terminal_only): a submit torn here would become IN DOUBT for nothing.
//   terminal  the grace is over: exchanges under way are cut too.
// Children accept total cancellation and see it as a state (this_coro::cancellation_state), never
// as an exception thrown out of a co_await.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/cancellation_state.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>

#include <cstddef>
#include <exception>
#include <list>
#include <utility>

namespace xferd {

namespace asio = boost::asio;

// True once the calling coroutine was asked to stop (total or terminal).
inline asio::awaitable<bool> coroutine_stop_asked()
{
    auto state = co_await asio::this_coro::cancellation_state;
    co_return state.cancelled() != asio::cancellation_type::none;
}

// Runs `op` (on its own coroutine) so that only a terminal cancellation reaches it. A total one
// is still noted in the caller's state, so coroutine_stop_asked() is true once `op` is done, but the
// operation is not torn: an HTTP exchange that has begun ends with its answer. `op` sees a
// cancellation as error codes, not exceptions.
template <class T>
asio::awaitable<T> terminal_only(asio::awaitable<T> op)
{
    auto state = co_await asio::this_coro::cancellation_state;
    auto ex = co_await asio::this_coro::executor;
    asio::cancellation_signal inner;
    struct Forwarding {
        asio::cancellation_slot slot;
        ~Forwarding()
        {
            if (slot.is_connected()) slot.clear();
        }
    } forwarding{state.slot()};
    if (forwarding.slot.is_connected())
        forwarding.slot.assign([&inner](asio::cancellation_type type) {
            if ((type & asio::cancellation_type::terminal) != asio::cancellation_type::none)
                inner.emit(asio::cancellation_type::terminal);
        });
    auto quiet = [](asio::awaitable<T> a) -> asio::awaitable<T> {
        co_await asio::this_coro::throw_if_cancelled(false);
        co_return co_await std::move(a);
    };
    auto task = quiet(std::move(op));
    co_return co_await asio::co_spawn(ex, std::move(task), asio::bind_cancellation_slot(inner.slot(), asio::use_awaitable));
}

class TaskGroup {
public:
    explicit TaskGroup(asio::any_io_executor ex) : ex_(ex), changed_(ex, asio::steady_timer::time_point::max()) {}
    TaskGroup(const TaskGroup&) = delete;
    TaskGroup& operator=(const TaskGroup&) = delete;

    // Starts `make()` (a callable returning asio::awaitable<void>; kept alive until it ends) as a
    // child. `on_end(std::exception_ptr)` is called when it ends. A child started after a stop is
    // stopped as soon as it runs.
    template <class MakeTask, class OnEnd>
    void spawn(MakeTask make, OnEnd on_end)
    {
        auto child = children_.emplace(children_.end());
        asio::co_spawn(ex_, run_child(std::move(make), child),
                       asio::bind_cancellation_slot(child->signal.slot(),
                                                    [this, child, on_end = std::move(on_end)](std::exception_ptr e) mutable {
                                                        child->ended = true;
                                                        on_end(stopped_before_it_ran(e) ? nullptr : e);
                                                        forget_later(child);
                                                    }));
    }

    // Reaches every child still running, and every child started from now on. Each type is sent
    // once: a second total is nothing new, terminal after total is.
    void emit(asio::cancellation_type type)
    {
        const auto fresh = type & ~emitted_;
        if (fresh == asio::cancellation_type::none) return;
        emitted_ |= fresh;
        for (auto& c : children_)
            if (!c.ended) c.signal.emit(fresh);
    }

    [[nodiscard]] asio::cancellation_type emitted() const { return emitted_; }
    [[nodiscard]] std::size_t size() const { return children_.size(); }

    // Until every child has ended. If the waiting coroutine is cancelled meanwhile, the
    // cancellation is passed on to the children and the wait goes on: a child may use what its
    // waiter owns, so the waiter never leaves before them.
    asio::awaitable<void> wait()
    {
        auto state = co_await asio::this_coro::cancellation_state;
        while (!children_.empty()) {
            if (state.cancelled() != asio::cancellation_type::none) emit(state.cancelled());
            co_await changed_.async_wait(asio::as_tuple(asio::use_awaitable));
        }
    }

private:
    struct Child {
        asio::cancellation_signal signal;
        bool ended = false;   // its completion ran: its slot is not emitted on again
    };
    using Children = std::list<Child>;

    template <class MakeTask>
    asio::awaitable<void> run_child(MakeTask make, typename Children::iterator child)
    {
        co_await asio::this_coro::reset_cancellation_state(asio::enable_total_cancellation());
        co_await asio::this_coro::throw_if_cancelled(false);
        // Anything emitted before this point met the default (terminal only) state: say it again.
        if (emitted_ != asio::cancellation_type::none) child->signal.emit(emitted_);
        co_await make();
    }

    // A terminal stop that came before the child's first step throws out of co_spawn's own
    // co_await (the child never ran): that is a stop, not an error.
    [[nodiscard]] bool stopped_before_it_ran(const std::exception_ptr& e) const
    {
        if (!e || emitted_ == asio::cancellation_type::none) return false;
        try {
            std::rethrow_exception(e);
        } catch (const boost::system::system_error& x) {
            return x.code() == asio::error::operation_aborted;
        } catch (...) {
            return false;
        }
    }

    // Once co_spawn is done with the child's slot (its completion handler has returned).
    void forget_later(typename Children::iterator child)
    {
        asio::post(ex_, [this, child] {
            children_.erase(child);
            changed_.cancel();
        });
    }

    asio::any_io_executor ex_;
    Children children_;
    asio::cancellation_type emitted_ = asio::cancellation_type::none;
    asio::steady_timer changed_;   // parked at max(); cancel() wakes wait()
};

}  // namespace xferd
