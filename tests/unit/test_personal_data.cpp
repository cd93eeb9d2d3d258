#include <boost/test/unit_test.hpp>

#include "xferd/core/personal_data.hpp"

using namespace xferd;

BOOST_AUTO_TEST_CASE(e_mails_and_phone_numbers_are_masked_the_rest_is_kept)
{
    BOOST_TEST(mask_personal_data("column 'Personal Email': 'peter.edwards@example.com' is not valid") ==
               "column 'Personal Email': 'p***@example.com' is not valid");
    BOOST_TEST(mask_personal_data("'+44 20 7946 0958' has 12 digits") == "'\xE2\x80\xA2\xE2\x80\xA2\xE2\x80\xA2" "58' has 12 digits");
    BOOST_TEST(mask_personal_data("(203) 555-1111") == "(\xE2\x80\xA2\xE2\x80\xA2\xE2\x80\xA2" "11");
    // Row numbers, short numbers and words with digits stay.
    BOOST_TEST(mask_personal_data("row 12: duplicates row 3, HR-2026-11-1001") == "row 12: duplicates row 3, HR-2026-11-1001");
    BOOST_TEST(mask_personal_data("not an e-mail: user@localhost") == "not an e-mail: user@localhost");
}
