// The metrics registry and the XferdMetrics facade: the exposition text, exactly.
#include <boost/test/unit_test.hpp>

#include "xferd/core/metrics.hpp"
#include "xferd/core/xferd_metrics.hpp"

#include <thread>

using namespace xferd;
using namespace xferd::metrics;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

#define CHECK_CONTAINS(text, part) \
    BOOST_CHECK_MESSAGE(contains((text), (part)), "expected \"" << (part) << "\" in:\n" << (text))

}  // namespace

BOOST_AUTO_TEST_CASE(counter_and_gauge_render_help_type_and_sorted_series)
{
    Registry r;
    auto c = r.counter("demo_requests_total", "Requests by method.", {"method", "code"});
    auto g = r.gauge("demo_temperature_celsius", "Current temperature.");
    c.inc({"post", "200"});
    c.inc({"get", "200"}, 2);
    c.inc({"post", "200"});
    c.inc({"get", "200"}, -5);  // ignored: counters only go up
    g.set(21.5);
    g.add({}, -1);
    BOOST_TEST(r.render() ==
               "# HELP demo_requests_total Requests by method.\n"
               "# TYPE demo_requests_total counter\n"
               "demo_requests_total{method=\"get\",code=\"200\"} 2\n"
               "demo_requests_total{method=\"post\",code=\"200\"} 2\n"
               "# HELP demo_temperature_celsius Current temperature.\n"
               "# TYPE demo_temperature_celsius gauge\n"
               "demo_temperature_celsius 20.5\n");
}

BOOST_AUTO_TEST_CASE(histogram_buckets_are_cumulative_with_inf_sum_and_count)
{
    Registry r;
    auto h = r.histogram("demo_duration_seconds", "How long.", {0.25, 0.5, 1}, {"endpoint"});
    h.observe({"confirm"}, 0.125);
    h.observe({"confirm"}, 0.25);  // le is inclusive
    h.observe({"confirm"}, 0.75);
    h.observe({"confirm"}, 30);
    BOOST_TEST(r.render() ==
               "# HELP demo_duration_seconds How long.\n"
               "# TYPE demo_duration_seconds histogram\n"
               "demo_duration_seconds_bucket{endpoint=\"confirm\",le=\"0.25\"} 2\n"
               "demo_duration_seconds_bucket{endpoint=\"confirm\",le=\"0.5\"} 2\n"
               "demo_duration_seconds_bucket{endpoint=\"confirm\",le=\"1\"} 3\n"
               "demo_duration_seconds_bucket{endpoint=\"confirm\",le=\"+Inf\"} 4\n"
               "demo_duration_seconds_sum{endpoint=\"confirm\"} 31.125\n"
               "demo_duration_seconds_count{endpoint=\"confirm\"} 4\n");
}

BOOST_AUTO_TEST_CASE(unlabelled_histogram_has_only_le)
{
    Registry r;
    auto h = r.histogram("demo_seconds", "x", {0.001});
    h.observe(0.0005);
    BOOST_TEST(r.render() ==
               "# HELP demo_seconds x\n"
               "# TYPE demo_seconds histogram\n"
               "demo_seconds_bucket{le=\"0.001\"} 1\n"
               "demo_seconds_bucket{le=\"+Inf\"} 1\n"
               "demo_seconds_sum 0.0005\n"
               "demo_seconds_count 1\n");
}

BOOST_AUTO_TEST_CASE(label_values_and_help_are_escaped)
{
    Registry r;
    auto c = r.counter("demo_total", "Back\\slash and\nnewline \"quotes\" stay.", {"v"});
    c.inc({"a\\b\"c\nd"});
    BOOST_TEST(r.render() ==
               "# HELP demo_total Back\\\\slash and\\nnewline \"quotes\" stay.\n"
               "# TYPE demo_total counter\n"
               "demo_total{v=\"a\\\\b\\\"c\\nd\"} 1\n");
}

BOOST_AUTO_TEST_CASE(values_are_formatted_as_prometheus_reads_them)
{
    BOOST_TEST(format_value(0) == "0");
    BOOST_TEST(format_value(3) == "3");
    BOOST_TEST(format_value(0.25) == "0.25");
    BOOST_TEST(format_value(1732972338.5) == "1732972338.5");
    BOOST_TEST(format_value(0.0005) == "0.0005");
    BOOST_TEST(format_value(1e-9) == "1e-09");
    BOOST_TEST(format_value(1e20) == "1e+20");
    BOOST_TEST(format_value(1.0 / 0.0) == "+Inf");
    BOOST_TEST(format_value(-1.0 / 0.0) == "-Inf");
    BOOST_TEST(format_value(0.0 / 0.0) == "NaN");
}

BOOST_AUTO_TEST_CASE(bad_names_and_misuse_are_refused)
{
    Registry r;
    BOOST_CHECK_THROW(r.counter("9bad", "x"), std::invalid_argument);
    BOOST_CHECK_THROW(r.counter("has-dash", "x"), std::invalid_argument);
    BOOST_CHECK_THROW(r.counter("ok_total", "x", {"__reserved"}), std::invalid_argument);
    BOOST_CHECK_THROW(r.counter("ok_total", "x", {"a", "a"}), std::invalid_argument);
    BOOST_CHECK_THROW(r.histogram("h_seconds", "x", {}), std::invalid_argument);
    BOOST_CHECK_THROW(r.histogram("h_seconds", "x", {1, 1}), std::invalid_argument);
    BOOST_CHECK_THROW(r.histogram("h_seconds", "x", {1}, {"le"}), std::invalid_argument);
    auto c = r.counter("ok_total", "x", {"a"});
    BOOST_CHECK_THROW(r.gauge("ok_total", "x"), std::invalid_argument);
    BOOST_CHECK_THROW(c.inc({"1", "2"}), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(series_per_family_are_capped)
{
    Registry r(3);
    auto c = r.counter("capped_total", "x", {"v"});
    for (int i = 0; i < 10; ++i) c.inc({std::to_string(i)});
    c.inc({"0"});  // an existing series still counts
    std::string text = r.render();
    CHECK_CONTAINS(text, "capped_total{v=\"0\"} 2\n");
    CHECK_CONTAINS(text, "capped_total{v=\"2\"} 1\n");
    BOOST_TEST(!contains(text, "v=\"3\""));
    BOOST_TEST(r.dropped_samples() == 7u);
}

BOOST_AUTO_TEST_CASE(recording_from_many_threads_loses_nothing)
{
    Registry r;
    auto c = r.counter("threads_total", "x");
    auto h = r.histogram("threads_seconds", "x", {1});
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 10'000; ++i) {
                c.inc();
                h.observe(0.5);
            }
        });
    for (auto& t : threads) t.join();
    std::string text = r.render();
    CHECK_CONTAINS(text, "threads_total 40000\n");
    CHECK_CONTAINS(text, "threads_seconds_count 40000\n");
}

BOOST_AUTO_TEST_CASE(facade_starts_with_zeroed_series_build_info_and_start_time)
{
    XferdMetrics m("1.2.3", std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000)));
    std::string text = m.render();
    CHECK_CONTAINS(text, "# TYPE xferd_batches_total counter\n");
    for (auto o : {"done", "done_with_problems", "held", "rejected", "waiting_for_approval", "duplicate",
                   "interrupted", "api_unreachable"})
        CHECK_CONTAINS(text, std::string("xferd_batches_total{outcome=\"") + o + "\"} 0\n");
    CHECK_CONTAINS(text, "xferd_rows_total{phase=\"submit\",outcome=\"in_doubt\"} 0\n");
    CHECK_CONTAINS(text, "xferd_token_requests_total{grant=\"refresh_token\",result=\"refused\"} 0\n");
    CHECK_CONTAINS(text, "xferd_rows_in_doubt 0\n");
    CHECK_CONTAINS(text, "xferd_batches_waiting_for_approval 0\n");
    CHECK_CONTAINS(text, "xferd_last_successful_batch_timestamp_seconds 0\n");
    CHECK_CONTAINS(text, "xferd_build_info{version=\"1.2.3\"} 1\n");
    CHECK_CONTAINS(text, "process_start_time_seconds 1700000000\n");
}

BOOST_AUTO_TEST_CASE(facade_counts_rows_requests_tokens_and_commits)
{
    XferdMetrics m("0.1.0");
    m.rows_validated(true, 5);
    m.rows_validated(false);
    m.rows_confirmed(Decision::approved, 4);
    m.rows_confirmed(Decision::invalid);  // not a confirm outcome: ignored
    m.rows_submitted(RowStatus::submitted, 3);
    m.rows_submitted(RowStatus::in_doubt);
    m.rows_submitted(RowStatus::pending);  // ignored
    CallOutcome answered;
    answered.http_status = 201;
    CallOutcome timeout;
    timeout.kind = CallOutcome::Kind::timed_out;
    m.api_request(ApiEndpoint::submit, answered, std::chrono::milliseconds(40));
    m.api_request(ApiEndpoint::submit, timeout, std::chrono::seconds(31));
    m.api_retry(ApiEndpoint::submit);
    m.token_request(TokenGrantType::password, TokenResult::ok);
    m.store_commit(std::chrono::microseconds(800));
    m.notification(NotifyChannel::webhook, NotifyResult::failed);
    std::string text = m.render();
    CHECK_CONTAINS(text, "xferd_rows_total{phase=\"validate\",outcome=\"valid\"} 5\n");
    CHECK_CONTAINS(text, "xferd_rows_total{phase=\"validate\",outcome=\"invalid\"} 1\n");
    CHECK_CONTAINS(text, "xferd_rows_total{phase=\"confirm\",outcome=\"approved\"} 4\n");
    CHECK_CONTAINS(text, "xferd_rows_total{phase=\"submit\",outcome=\"submitted\"} 3\n");
    CHECK_CONTAINS(text, "xferd_rows_total{phase=\"submit\",outcome=\"in_doubt\"} 1\n");
    CHECK_CONTAINS(text, "xferd_api_requests_total{endpoint=\"submit\",status=\"201\"} 1\n");
    CHECK_CONTAINS(text, "xferd_api_requests_total{endpoint=\"submit\",status=\"timeout\"} 1\n");
    CHECK_CONTAINS(text, "xferd_api_request_duration_seconds_bucket{endpoint=\"submit\",le=\"0.05\"} 1\n");
    CHECK_CONTAINS(text, "xferd_api_request_duration_seconds_bucket{endpoint=\"submit\",le=\"30\"} 1\n");
    CHECK_CONTAINS(text, "xferd_api_request_duration_seconds_bucket{endpoint=\"submit\",le=\"60\"} 2\n");
    CHECK_CONTAINS(text, "xferd_api_request_duration_seconds_count{endpoint=\"submit\"} 2\n");
    CHECK_CONTAINS(text, "xferd_api_retries_total{endpoint=\"submit\"} 1\n");
    CHECK_CONTAINS(text, "xferd_token_requests_total{grant=\"password\",result=\"ok\"} 1\n");
    CHECK_CONTAINS(text, "xferd_store_commit_duration_seconds_bucket{le=\"0.001\"} 1\n");
    CHECK_CONTAINS(text, "xferd_store_commit_duration_seconds_count 1\n");
    CHECK_CONTAINS(text, "xferd_notifications_total{channel=\"webhook\",result=\"failed\"} 1\n");
}

BOOST_AUTO_TEST_CASE(status_labels_are_bounded)
{
    CallOutcome o;
    o.http_status = 503;
    BOOST_TEST(api_status_label(o) == "503");
    o.http_status = 999;
    BOOST_TEST(api_status_label(o) == "other");
    o.kind = CallOutcome::Kind::connect_failed;
    BOOST_TEST(api_status_label(o) == "connect");
    o.kind = CallOutcome::Kind::tls_failed;
    BOOST_TEST(api_status_label(o) == "tls");
    o.kind = CallOutcome::Kind::connection_lost;
    BOOST_TEST(api_status_label(o) == "connection_lost");
    o.kind = CallOutcome::Kind::proxy_failed;
    BOOST_TEST(api_status_label(o) == "proxy");
    o.kind = CallOutcome::Kind::proxy_refused;
    o.http_status = 407;
    BOOST_TEST(api_status_label(o) == "proxy_407");
    o.http_status = 4070;
    BOOST_TEST(api_status_label(o) == "proxy_other");
}

BOOST_AUTO_TEST_CASE(batch_gauges_follow_each_batch)
{
    using std::chrono::system_clock;
    XferdMetrics m("0.1.0");
    m.batch_finished(BatchResult::waiting_for_approval, "aaa", 0);
    m.batch_finished(BatchResult::waiting_for_approval, "bbb", 0);
    CHECK_CONTAINS(m.render(), "xferd_batches_waiting_for_approval 2\n");
    CHECK_CONTAINS(m.render(), "xferd_last_successful_batch_timestamp_seconds 0\n");

    m.batch_finished(BatchResult::done_with_problems, "aaa", 3, system_clock::time_point(std::chrono::seconds(1000)));
    m.batch_finished(BatchResult::done_with_problems, "ccc", 2, system_clock::time_point(std::chrono::seconds(2000)));
    std::string text = m.render();
    CHECK_CONTAINS(text, "xferd_batches_waiting_for_approval 1\n");
    CHECK_CONTAINS(text, "xferd_rows_in_doubt 5\n");
    CHECK_CONTAINS(text, "xferd_last_successful_batch_timestamp_seconds 2000\n");
    CHECK_CONTAINS(text, "xferd_batches_total{outcome=\"done_with_problems\"} 2\n");

    m.batch_finished(BatchResult::interrupted, "ccc", 0);  // says nothing about in-doubt rows
    CHECK_CONTAINS(m.render(), "xferd_rows_in_doubt 5\n");
    m.batch_finished(BatchResult::done, "aaa", 0, system_clock::time_point(std::chrono::seconds(3000)));  // looked up
    text = m.render();
    CHECK_CONTAINS(text, "xferd_rows_in_doubt 2\n");
    CHECK_CONTAINS(text, "xferd_last_successful_batch_timestamp_seconds 3000\n");

    m.batch_waiting("bbb", false);
    CHECK_CONTAINS(m.render(), "xferd_batches_waiting_for_approval 0\n");
    m.batch_waiting("ddd", true);
    m.batch_finished(BatchResult::duplicate, "ddd", 0);  // another drop of the same content
    CHECK_CONTAINS(m.render(), "xferd_batches_waiting_for_approval 1\n");
}
