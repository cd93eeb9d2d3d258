// NotifyEvent → JSON: the fields a receiver reads, always valid UTF-8 and bounded.
#include <boost/test/unit_test.hpp>

#include "xferd/core/notify_event.hpp"

#include <boost/json/parse.hpp>

using namespace xferd;
namespace json = boost::json;
using std::chrono::system_clock;

namespace {

NotifyEvent sample(NotifyKind kind)
{
    NotifyEvent e;
    e.kind = kind;
    e.batch_file = "/srv/xferd/inbox/offboarding.csv";
    e.sha256 = "ab12";
    e.state = "done";
    e.counts = NotifyCounts{12, 8, 2, 2, 7, 4, 1, 0, 0};
    e.reports.results_csv = "/srv/xferd/inbox/offboarding.results.csv";
    e.reports.log = "/srv/xferd/inbox/offboarding.log";
    e.message = "offboarding.csv: 1 row FAILED";
    e.time = system_clock::time_point(std::chrono::seconds(1'796'044'338));  // 2026-11-30T13:12:18Z
    e.host = "xferd01";
    return e;
}

}  // namespace

BOOST_AUTO_TEST_CASE(finished_with_problems_renders_exactly)
{
    NotifyEvent e = sample(NotifyKind::finished_with_problems);
    e.state = "done_with_problems";
    BOOST_TEST(to_json_text(e) ==
               R"({"schema":1,"event":"finished_with_problems","state":"done_with_problems",)"
               R"("batch_file":"/srv/xferd/inbox/offboarding.csv","sha256":"ab12",)"
               R"("counts":{"rows":12,"approved":8,"rejected":2,"invalid":2,"submitted":7,"not_submitted":4,)"
               R"("failed":1,"in_doubt":0,"duplicate":0},)"
               R"("reports":{"results_csv":"/srv/xferd/inbox/offboarding.results.csv",)"
               R"("log":"/srv/xferd/inbox/offboarding.log"},)"
               R"("message":"offboarding.csv: 1 row FAILED","time":"2026-11-30T13:12:18Z","host":"xferd01"})");
}

BOOST_AUTO_TEST_CASE(waiting_for_approval_says_how_and_until_when)
{
    NotifyEvent e = sample(NotifyKind::waiting_for_approval);
    e.approve_how = "create offboarding.approve";
    e.approve_file = "/srv/xferd/inbox/offboarding.approve";
    e.approved_csv = "/srv/xferd/inbox/offboarding.approved.csv";
    e.approve_until = e.time + std::chrono::hours(24);
    e.reports.confirmation_html = "/srv/xferd/inbox/offboarding.confirmation.html";
    auto o = to_json(e);
    BOOST_TEST(o.at("event").as_string() == "waiting_for_approval");
    const auto& a = o.at("approval").as_object();
    BOOST_TEST(a.at("how").as_string() == "create offboarding.approve");
    BOOST_TEST(a.at("approve_file").as_string() == "/srv/xferd/inbox/offboarding.approve");
    BOOST_TEST(a.at("approved_csv").as_string() == "/srv/xferd/inbox/offboarding.approved.csv");
    BOOST_TEST(a.at("until").as_string() == "2026-12-01T13:12:18Z");
    BOOST_TEST(o.at("reports").as_object().at("confirmation_html").as_string() ==
               "/srv/xferd/inbox/offboarding.confirmation.html");
    BOOST_TEST(!o.contains("refusal"));
}

BOOST_AUTO_TEST_CASE(approval_refused_says_why)
{
    NotifyEvent e = sample(NotifyKind::approval_refused);
    e.approval_file = "/srv/xferd/inbox/offboarding.approve";
    e.refusal_reason = "approval refused: it is older than 24h";
    auto o = to_json(e);
    BOOST_TEST(o.at("refusal").as_object().at("reason").as_string() == "approval refused: it is older than 24h");
    BOOST_TEST(o.at("refusal").as_object().at("approval_file").as_string() == "/srv/xferd/inbox/offboarding.approve");
    BOOST_TEST(!o.contains("approval"));
}

BOOST_AUTO_TEST_CASE(every_kind_has_its_name)
{
    BOOST_TEST(to_string(NotifyKind::waiting_for_approval) == "waiting_for_approval");
    BOOST_TEST(to_string(NotifyKind::approval_refused) == "approval_refused");
    BOOST_TEST(to_string(NotifyKind::batch_held) == "batch_held");
    BOOST_TEST(to_string(NotifyKind::file_rejected) == "file_rejected");
    BOOST_TEST(to_string(NotifyKind::finished_with_problems) == "finished_with_problems");
    BOOST_TEST(to_string(NotifyKind::batch_done) == "batch_done");
}

BOOST_AUTO_TEST_CASE(texts_are_valid_utf8_and_capped)
{
    BOOST_TEST(clean_text("caf\xC3\xA9", 100) == "caf\xC3\xA9");
    BOOST_TEST(clean_text("bad\xFFhere", 100) == "bad\xEF\xBF\xBDhere");
    BOOST_TEST(clean_text("abcdefgh", 6) == "abc\xE2\x80\xA6");
    BOOST_TEST(clean_text("ab\xC3\xA9\xC3\xA9", 6) == "ab\xC3\xA9\xC3\xA9");  // fits exactly
    BOOST_TEST(clean_text("ab\xC3\xA9\xC3\xA9", 5) == "ab\xE2\x80\xA6");        // never half a character
    BOOST_TEST(clean_text("abcdef", 6) == "abcdef");

    NotifyEvent e = sample(NotifyKind::file_rejected);
    e.batch_file = "/srv/inbox/we\xFFird.csv";
    e.message = std::string(100'000, 'x');
    e.refusal_reason = std::string(100'000, '\x01');  // not rendered for this kind
    std::string text = to_json_text(e);
    auto o = json::parse(text).as_object();
    BOOST_TEST(o.at("batch_file").as_string() == "/srv/inbox/we\xEF\xBF\xBDird.csv");
    BOOST_TEST(o.at("message").as_string().size() <= max_event_text_bytes);

    // Worst case: every field full of characters JSON escapes six-fold.
    std::string nasty(100'000, '\x01');
    NotifyEvent w = sample(NotifyKind::waiting_for_approval);
    w.batch_file = w.sha256 = w.state = w.message = w.host = w.approve_how = w.approve_file = w.approved_csv = nasty;
    w.reports = NotifyReports{nasty, nasty, nasty, nasty, nasty, nasty};
    std::string big = to_json_text(w);
    BOOST_TEST(big.size() <= max_event_bytes);
    BOOST_TEST(json::parse(big).is_object());
}
