#include "xferd/core/row_state.hpp"

namespace xferd {

std::string_view to_string(Decision d)
{
    switch (d) {
    case Decision::approved: return "APPROVED";
    case Decision::rejected: return "REJECTED";
    case Decision::invalid: return "INVALID";
    case Decision::pending: break;
    }
    return "";
}

std::string_view to_string(RowStatus s)
{
    switch (s) {
    case RowStatus::submitted: return "SUBMITTED";
    case RowStatus::not_submitted: return "NOT_SUBMITTED";
    case RowStatus::failed: return "FAILED";
    case RowStatus::in_doubt: return "IN_DOUBT";
    case RowStatus::duplicate: return "DUPLICATE";
    case RowStatus::submitting: return "SUBMITTING";
    case RowStatus::pending: break;
    }
    return "";
}

}  // namespace xferd
