#include "xferd/core/policy.hpp"

#include <boost/test/unit_test.hpp>

using namespace xferd;

namespace {
RowRecord confirmed_row()
{
    RowRecord r;
    r.row = 3;
    r.external_order_number = "HR-2026-0042";
    r.service_id = "41000017";
    r.service_number = "3125550147";
    r.confirmation.confirmed = true;
    r.confirmation.account_holder = "Maria Gonzalez";
    r.confirmation.account_holder_email = "maria.gonzalez@acme-corp.example";
    r.confirmation.account_holder_id = "E104233";
    r.confirmation.account_holder_tangoe_id = "30011017";
    r.confirmation.service_number = "3125550147";
    r.confirmation.service_status = "ACTIVE";
    return r;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(approval_policy)

BOOST_AUTO_TEST_CASE(a_clean_confirmation_is_approved)
{
    auto d = decide(confirmed_row(), ApprovalConfig{});
    BOOST_TEST((d.decision == Decision::approved));
    BOOST_TEST(d.reason == "all checks passed");
}

BOOST_AUTO_TEST_CASE(an_invalid_row_stays_invalid_with_its_reason)
{
    auto r = confirmed_row();
    r.decision = Decision::invalid;
    r.reason = "column 'personal_email': not an e-mail address";
    auto d = decide(r, ApprovalConfig{});
    BOOST_TEST((d.decision == Decision::invalid));
    BOOST_TEST(d.reason == r.reason);
}

BOOST_AUTO_TEST_CASE(an_unconfirmed_row_is_rejected_with_what_the_api_said)
{
    auto r = confirmed_row();
    r.confirmation = {};
    r.confirmation.error = "HTTP 404: 404-Service-Not-Found-error: no service 41000017";
    auto d = decide(r, ApprovalConfig{});
    BOOST_TEST((d.decision == Decision::rejected));
    BOOST_TEST(d.reason == "not confirmed by MobProc: HTTP 404: 404-Service-Not-Found-error: no service 41000017");
}

BOOST_AUTO_TEST_CASE(an_inactive_service_is_rejected_unless_the_check_is_off)
{
    auto r = confirmed_row();
    r.confirmation.service_status = "SUSPENDED";
    auto d = decide(r, ApprovalConfig{});
    BOOST_TEST((d.decision == Decision::rejected));
    BOOST_TEST(d.reason == "service 41000017 is SUSPENDED, not ACTIVE");
    ApprovalConfig lenient;
    lenient.check_service_active = false;
    BOOST_TEST((decide(r, lenient).decision == Decision::approved));
}

BOOST_AUTO_TEST_CASE(a_service_number_mismatch_is_rejected_but_formatting_is_not_a_mismatch)
{
    auto r = confirmed_row();
    r.confirmation.service_number = "3125550148";
    auto d = decide(r, ApprovalConfig{});
    BOOST_TEST((d.decision == Decision::rejected));
    BOOST_TEST(d.reason.find("the file says 3125550147 but service 41000017 is 3125550148") != std::string::npos);

    r.confirmation.service_number = "+1 (312) 555-0147";
    BOOST_TEST((decide(r, ApprovalConfig{}).decision == Decision::approved));
}

BOOST_AUTO_TEST_CASE(the_account_holder_must_match_the_given_employee)
{
    auto r = confirmed_row();
    r.employee_email = "MARIA.GONZALEZ@acme-corp.example";  // case does not matter
    BOOST_TEST((decide(r, ApprovalConfig{}).decision == Decision::approved));
    r.employee_email = "john.smith@acme-corp.example";
    auto d = decide(r, ApprovalConfig{});
    BOOST_TEST((d.decision == Decision::rejected));
    BOOST_TEST(d.reason == "account holder mismatch: the file names john.smith@acme-corp.example but the line "
                           "belongs to Maria Gonzalez <maria.gonzalez@acme-corp.example>");

    r.employee_email.clear();
    r.employee_id = "E104233";
    BOOST_TEST((decide(r, ApprovalConfig{}).decision == Decision::approved));
    r.employee_id = "30011017";  // Tangoe's own id is accepted too
    BOOST_TEST((decide(r, ApprovalConfig{}).decision == Decision::approved));
    r.employee_id = "E999999";
    BOOST_TEST((decide(r, ApprovalConfig{}).decision == Decision::rejected));
}

BOOST_AUTO_TEST_CASE(the_gate_holds_a_batch_with_more_bad_rows_than_allowed)
{
    std::vector<RowRecord> rows(10);
    for (auto& r : rows) r.decision = Decision::approved;
    for (int i = 0; i < 5; ++i) rows[i].decision = i % 2 ? Decision::invalid : Decision::rejected;
    BOOST_TEST(!batch_gate(rows, 0.5).hold);  // exactly half: allowed
    rows[5].decision = Decision::invalid;
    auto g = batch_gate(rows, 0.5);
    BOOST_TEST(g.hold);
    BOOST_TEST(g.message.find("6 of 10 rows (60%)") == 0u);
    BOOST_TEST(!batch_gate(rows, 0.7).hold);
    BOOST_TEST(!batch_gate({}, 0.5).hold);
}

BOOST_AUTO_TEST_SUITE_END()
