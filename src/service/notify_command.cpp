#include "xferd/service/notify_command.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>
#include <vector>

extern char** environ;

namespace xferd {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;
using Descriptor = asio::posix::stream_descriptor;

namespace {

std::string errno_text(int err) { return std::strerror(err); }

struct Spawned {
    pid_t pid = -1;
    int pidfd = -1, out = -1, err = -1;
};

// Every fd the parent opened for a spawn, closed on any exit path.
struct Pipes {
    int fd[6] = {-1, -1, -1, -1, -1, -1};  // stdin r/w, stdout r/w, stderr r/w
    ~Pipes()
    {
        for (int f : fd)
            if (f >= 0) ::close(f);
    }
    int take(int i) { return std::exchange(fd[i], -1); }
    void close(int i) { if (fd[i] >= 0) ::close(take(i)); }
};

std::vector<std::string> child_environment()
{
    std::vector<std::string> env;
    for (char** e = environ; e && *e; ++e) {
        std::string_view v(*e);
        if (v.starts_with("XFERD_") || v.starts_with("CREDENTIALS_DIRECTORY=")) continue;
        env.emplace_back(v);
    }
    return env;
}

// The input is in the pipe before the program starts: writing can neither block nor SIGPIPE.
bool prefill(int fd, const std::string& input)
{
    if (input.size() > 65536) ::fcntl(fd, F_SETPIPE_SZ, static_cast<int>(max_command_input));
    std::size_t done = 0;
    while (done < input.size()) {
        ssize_t n = ::write(fd, input.data() + done, input.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += static_cast<std::size_t>(n);
    }
    return true;
}

std::string spawn_child(const std::filesystem::path& program, const std::string& input, Spawned& child)
{
    if (input.size() > max_command_input) return "the event is larger than " + std::to_string(max_command_input) + " bytes";
    Pipes p;
    for (int i = 0; i < 3; ++i)
        if (::pipe2(&p.fd[2 * i], O_CLOEXEC) != 0) return "pipe: " + errno_text(errno);
    if (!prefill(p.fd[1], input)) return "cannot write the event into the pipe: " + errno_text(errno);
    p.close(1);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, p.fd[0], 0);
    posix_spawn_file_actions_adddup2(&actions, p.fd[3], 1);
    posix_spawn_file_actions_adddup2(&actions, p.fd[5], 2);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);  // an ignored SIGPIPE must not be inherited
    posix_spawnattr_setpgroup(&attr, 0);         // its own group: the timeout kills its children too
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    std::vector<std::string> env = child_environment();
    std::vector<char*> envp;
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    std::string path = program.string();
    char* argv[] = {path.data(), nullptr};
    int rc = ::posix_spawn(&child.pid, path.c_str(), &actions, &attr, argv, envp.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) return "cannot run " + path + ": " + errno_text(rc);
    child.out = p.take(2);
    child.err = p.take(4);
    child.pidfd = static_cast<int>(::syscall(SYS_pidfd_open, child.pid, 0));
    return {};
}

// Reaps the child if the run ends without having done so (the coroutine destroyed, say).
struct Reaper {
    pid_t pid;
    bool reaped = false;
    bool status_known = true;  // false when someone else reaped it (SIGCHLD ignored)
    ~Reaper()
    {
        if (reaped) return;
        ::kill(-pid, SIGKILL);
        int st = 0;
        ::waitpid(pid, &st, WNOHANG);
    }
};

asio::awaitable<void> wait_exit(asio::any_io_executor ex, Descriptor* pidfd, Reaper& child, int& status)
{
    for (;;) {
        int st = 0;
        pid_t r = ::waitpid(child.pid, &st, WNOHANG);
        if (r == child.pid || (r < 0 && errno != EINTR)) {
            child.reaped = true;
            child.status_known = r == child.pid;
            status = st;
            co_return;
        }
        if (pidfd) {
            auto [ec] = co_await pidfd->async_wait(Descriptor::wait_read, asio::as_tuple(asio::use_awaitable));
            if (ec) co_return;  // cancelled
        } else {
            // No pidfd (an old kernel): look again shortly.
            asio::steady_timer t(ex, std::chrono::milliseconds(20));
            auto [ec] = co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
            if (ec) co_return;
        }
    }
}

asio::awaitable<void> read_capped(Descriptor& d, std::string& out, bool& truncated, std::size_t max)
{
    char buf[4096];
    for (;;) {
        auto [ec, n] = co_await d.async_read_some(asio::buffer(buf), asio::as_tuple(asio::use_awaitable));
        if (ec) co_return;  // end of file, or cancelled
        std::size_t keep = std::min(n, max - out.size());
        out.append(buf, keep);
        truncated = truncated || keep < n;  // the rest is read and dropped so the program never blocks
    }
}

asio::awaitable<void> sleep_until(asio::steady_timer& t)
{
    co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
}

void note_status(CommandRun& run, int status)
{
    if (WIFEXITED(status)) run.exit_code = WEXITSTATUS(status);
    else if (WIFSIGNALED(status)) run.signal = WTERMSIG(status);
}

}  // namespace

std::string CommandRun::describe() const
{
    if (!started) return "could not start: " + error;
    if (timed_out) return "killed after the timeout";
    if (signal) return "killed by signal " + std::to_string(*signal);
    if (exit_code) return "exit " + std::to_string(*exit_code);
    return "ended, status unknown";
}

asio::awaitable<CommandRun> run_command(asio::any_io_executor ex, std::filesystem::path program, std::string input,
                                        std::chrono::milliseconds timeout, std::size_t max_output,
                                        std::function<void(int pid)> on_start)
{
    CommandRun run;
    Spawned child;
    run.error = spawn_child(program, input, child);
    if (!run.error.empty()) co_return run;
    run.started = true;
    Reaper reaper{child.pid};
    if (on_start) on_start(child.pid);
    Descriptor out(ex, child.out), err(ex, child.err);
    std::optional<Descriptor> pidfd;
    if (child.pidfd >= 0) pidfd.emplace(ex, child.pidfd);
    Descriptor* pd = pidfd ? &*pidfd : nullptr;

    int status = 0;
    asio::steady_timer deadline(ex, timeout);
    auto first = co_await ((wait_exit(ex, pd, reaper, status) && read_capped(out, run.out, run.out_truncated, max_output) &&
                            read_capped(err, run.err, run.err_truncated, max_output)) ||
                           sleep_until(deadline));
    if (first.index() == 1) {
        // The deadline: the program (or something it left holding its output) is still there.
        run.timed_out = !reaper.reaped;
        ::kill(-child.pid, SIGKILL);
        if (!reaper.reaped) {
            asio::steady_timer backstop(ex, std::chrono::seconds(5));
            co_await (wait_exit(ex, pd, reaper, status) || sleep_until(backstop));
        }
    }
    if (reaper.reaped && reaper.status_known && !run.timed_out) note_status(run, status);
    if (reaper.reaped && run.timed_out) run.signal = SIGKILL;
    co_return run;
}

}  // namespace xferd
