#include "xferd/service/notifier.hpp"

#include "xferd/core/retry.hpp"
#include "xferd/net/https_transport.hpp"
#include "xferd/service/notify_command.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/string_body.hpp>

#include <signal.h>

#include <deque>
#include <random>

namespace xferd {

namespace asio = boost::asio;
namespace http = boost::beast::http;

namespace {

struct Item {
    std::string json;
    std::string label;  // "batch_done for offboarding.csv", for the log
};

struct AttemptResult {
    bool ok = false;
    bool retryable = true;
    std::string what;  // "exit 0", "answered 500", "TLS handshake … failed"
};

// Control characters of a program's output or an answer, escaped so one log call stays one line.
std::string one_line(std::string_view s)
{
    std::string out;
    for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        if (c == '\n') out += "\\n";
        else if (u < 0x20 || u == 0x7f) out += "\\x" + std::string(1, "0123456789abcdef"[u >> 4]) + "0123456789abcdef"[u & 15];
        else out.push_back(c);
    }
    return out;
}

// Answers a retry can change: timeouts, rate limits, server errors.
bool retryable_webhook_status(int status) { return status == 408 || status == 425 || status == 429 || status >= 500; }

}  // namespace

struct ChannelState {
    NotifyChannel kind;
    std::deque<std::shared_ptr<const Item>> queue;  // the front one is being delivered
    bool running = false;
    int pid = -1;  // the command running now
    std::unique_ptr<asio::steady_timer> backoff;
};

struct Notifier::State {
    asio::any_io_executor ex;
    NotifierOptions options;
    XferdMetrics* metrics;
    NotifyLog log;
    std::optional<HttpsUrl> url;
    std::string origin;  // scheme://host:port: all of the webhook that is ever logged
    std::unique_ptr<HttpsTransport> transport;
    ChannelState command{NotifyChannel::command, {}, false, -1, {}};
    ChannelState webhook{NotifyChannel::webhook, {}, false, -1, {}};
    std::mt19937_64 rng{std::random_device{}()};
    bool stopped = false;

    [[nodiscard]] std::string channel_name(const ChannelState& c) const
    {
        return c.kind == NotifyChannel::command ? "command " + options.command->string() : "webhook " + origin;
    }
    void count(const ChannelState& c, NotifyResult r) const
    {
        if (metrics) metrics->notification(c.kind, r);
    }
};

namespace {

using StatePtr = std::shared_ptr<Notifier::State>;

asio::awaitable<AttemptResult> run_command_once(StatePtr s, ChannelState& ch, const Item& item)
{
    const auto& o = s->options;
    CommandRun run = co_await run_command(s->ex, *o.command, item.json, o.timeout, o.max_output_bytes,
                                          [&ch](int pid) { ch.pid = pid; });
    ch.pid = -1;
    if (s->stopped) co_return AttemptResult{false, false, "stopped"};
    auto show = [&](const char* name, const std::string& text, bool truncated) {
        if (text.empty()) return;
        s->log(run.ok() ? LogLevel::info : LogLevel::warn,
               "notify: " + s->channel_name(ch) + " " + name + ": " + one_line(text) + (truncated ? " […]" : ""));
    };
    show("stdout", run.out, run.out_truncated);
    show("stderr", run.err, run.err_truncated);
    co_return AttemptResult{run.ok(), true, run.describe()};
}

asio::awaitable<AttemptResult> post_webhook_once(StatePtr s, const Item& item)
{
    http::request<http::string_body> req{http::verb::post, s->url->path.empty() ? "/" : s->url->path, 11};
    req.set(http::field::content_type, "application/json");
    req.set(http::field::user_agent, s->options.user_agent);
    req.body() = item.json;
    const ProxyRoute* proxy = s->options.proxy ? &*s->options.proxy : nullptr;
    HttpAttempt a = co_await s->transport->request(*s->url, std::move(req), proxy);
    if (s->stopped) co_return AttemptResult{false, false, "stopped"};
    if (a.outcome.kind != CallOutcome::Kind::answered) co_return AttemptResult{false, true, a.error_text};
    int status = a.outcome.http_status;
    std::string what = "answered " + std::to_string(status);
    bool ok = status >= 200 && status < 300;
    if (!ok && !a.response.body().empty()) what += ": " + one_line(clean_text(a.response.body(), 200));
    co_return AttemptResult{ok, !ok && retryable_webhook_status(status), what};
}

// One event on one channel: attempts with backoff until delivered, refused or out of attempts.
asio::awaitable<void> deliver(StatePtr s, ChannelState& ch, const Item& item)
{
    const auto& o = s->options;
    RetrySchedule schedule{o.max_attempts, o.retry_base_delay, o.retry_max_delay};
    for (unsigned attempt = 1;; ++attempt) {
        AttemptResult r;  // no co_await inside ?: — GCC 12 destroys its result twice
        if (ch.kind == NotifyChannel::command) r = co_await run_command_once(s, ch, item);
        else r = co_await post_webhook_once(s, item);
        if (s->stopped) co_return;
        std::string where = "notify: " + item.label + " by " + s->channel_name(ch);
        if (r.ok) {
            s->log(LogLevel::info, where + ": delivered (" + r.what + ")");
            s->count(ch, NotifyResult::delivered);
            co_return;
        }
        auto delay = r.retryable ? next_delay(schedule, attempt, std::nullopt, s->rng) : std::nullopt;
        if (!delay) {
            s->log(LogLevel::error, where + ": failed (" + r.what + ") after " + std::to_string(attempt) +
                                        " attempt(s); giving up on this event");
            s->count(ch, NotifyResult::failed);
            co_return;
        }
        s->log(LogLevel::warn, where + ": attempt " + std::to_string(attempt) + " of " + std::to_string(o.max_attempts) +
                                   " failed (" + r.what + "); trying again in " + format_duration(*delay));
        ch.backoff = std::make_unique<asio::steady_timer>(s->ex, *delay);
        co_await ch.backoff->async_wait(asio::as_tuple(asio::use_awaitable));
        if (s->stopped) co_return;
    }
}

asio::awaitable<void> worker(StatePtr s, ChannelState& ch)
{
    while (!s->stopped && !ch.queue.empty()) {
        auto item = ch.queue.front();
        co_await deliver(s, ch, *item);
        if (s->stopped) break;
        ch.queue.pop_front();
    }
    ch.running = false;
}

void start_worker(const StatePtr& s, ChannelState& ch)
{
    if (ch.running) return;
    ch.running = true;
    asio::co_spawn(s->ex, worker(s, ch), [s, &ch](std::exception_ptr e) {
        if (!e) return;
        ch.running = false;
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& ex) {
            if (!s->stopped) s->log(LogLevel::error, "notify: " + s->channel_name(ch) + ": " + ex.what());
        }
    });
}

}  // namespace

Result<NotifierOptions> notifier_options(const Config& config)
{
    NotifierOptions o;
    o.command = config.notify.command;
    o.webhook = config.notify.webhook;
    o.timeout = config.notify.timeout;
    if (o.webhook) {
        auto url = parse_https_url(*o.webhook);
        if (!url) return make_error("notify.webhook: " + url.error().message);
        o.proxy = proxy_route_to(config.api, url->host);   // as the API's calls: NO_PROXY honoured
        auto tls = make_client_tls_context(config.notify.ca_file ? config.notify.ca_file : config.api.ca_file);
        if (!tls) return make_error("notify.webhook: " + tls.error().message);
        o.tls = *tls;
    }
    return o;
}

Notifier::Notifier(asio::any_io_executor ex, NotifierOptions options, XferdMetrics* metrics, NotifyLog log)
    : state_(std::make_shared<State>())
{
    auto& s = *state_;
    s.ex = ex;
    s.options = std::move(options);
    s.metrics = metrics;
    s.log = log ? std::move(log) : NotifyLog(log_line);
    if (s.options.webhook) {
        auto url = parse_https_url(*s.options.webhook);
        if (url && s.options.tls) {
            s.url = *url;
            s.origin = "https://" + url->host + ":" + url->port;
            auto t = s.options.timeout;
            s.transport = std::make_unique<HttpsTransport>(ex, s.options.tls, HttpsTimeouts{t, t, t}, 1);
        } else {
            s.log(LogLevel::error, "notify: the webhook is not usable (no valid https URL or TLS context); it is off");
        }
    }
}

Notifier::~Notifier() { stop(); }

bool Notifier::enabled() const { return state_->options.command || state_->url; }

std::size_t Notifier::pending() const { return state_->command.queue.size() + state_->webhook.queue.size(); }

void Notifier::notify(NotifyEvent event)
{
    auto& s = *state_;
    if (s.stopped || !enabled()) return;
    auto item = std::make_shared<Item>();
    item->json = to_json_text(event);
    item->label = std::string(to_string(event.kind)) + " for " +
                  clean_text(std::filesystem::path(event.batch_file).filename().string(), 256);
    auto enqueue = [&](ChannelState& ch) {
        if (ch.queue.size() >= s.options.queue_capacity) {
            s.log(LogLevel::error, "notify: " + s.channel_name(ch) + ": " + std::to_string(ch.queue.size()) +
                                       " events already waiting; dropped " + item->label);
            s.count(ch, NotifyResult::dropped);
            return;
        }
        ch.queue.push_back(item);
        start_worker(state_, ch);
    };
    if (s.options.command) enqueue(s.command);
    if (s.url) enqueue(s.webhook);
}

asio::awaitable<void> Notifier::drain(std::chrono::steady_clock::time_point deadline)
{
    auto ex = co_await asio::this_coro::executor;
    auto s = state_;  // the Notifier may go while this waits
    while (!s->stopped && s->command.queue.size() + s->webhook.queue.size() > 0) {
        auto now = std::chrono::steady_clock::now();
        if (now >= deadline) {
            s->log(LogLevel::warn, "notify: " + std::to_string(s->command.queue.size() + s->webhook.queue.size()) +
                                       " notification(s) not delivered before the deadline; they are dropped");
            co_return;
        }
        asio::steady_timer t(ex, std::min<std::chrono::steady_clock::duration>(deadline - now, std::chrono::milliseconds(20)));
        co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
    }
}

void Notifier::stop()
{
    if (!state_ || state_->stopped) return;
    auto& s = *state_;
    s.stopped = true;
    std::size_t left = s.command.queue.size() + s.webhook.queue.size();
    if (left) s.log(LogLevel::warn, "notify: stopping with " + std::to_string(left) + " notification(s) not delivered");
    for (ChannelState* ch : {&s.command, &s.webhook}) {
        if (ch->backoff) ch->backoff->cancel();
        if (ch->pid > 0) ::kill(-ch->pid, SIGKILL);
        ch->queue.clear();
    }
}

}  // namespace xferd
