// Reading an HTML page the way a person does (tests only): the visible text, and the row
// badges in page order.
#pragma once

#include <regex>
#include <string>
#include <utility>
#include <vector>

namespace xferd::test {

// The style sheet dropped; block tags read as a space, inline ones as nothing; the usual
// entities decoded; white space collapsed.
inline std::string visible_text(const std::string& html)
{
    static const std::regex style("<style>[\\s\\S]*?</style>");
    static const std::regex block("</?(p|div|li|ul|ol|dl|dt|dd|h[1-6]|table|thead|tbody|tr|td|th|section|header|"
                                  "footer|pre|br|title|head|body|html)\\b[^>]*>");
    static const std::regex tag("<[^>]*>");
    std::string text = std::regex_replace(html, style, " ");
    text = std::regex_replace(text, block, " ");
    text = std::regex_replace(text, tag, "");
    for (auto [entity, c] : {std::pair{"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&#39;", "'"},
                             {"&middot;", "·"}, {"&mdash;", "—"}, {"&nbsp;", " "}, {"&amp;", "&"}})
        text = std::regex_replace(text, std::regex(entity), c);
    return std::regex_replace(text, std::regex("\\s+"), " ");
}

// What each listed row says it is ("FAILED", "ELIGIBLE", …), top to bottom.
inline std::vector<std::string> badges(const std::string& html)
{
    std::vector<std::string> out;
    std::regex badge("<span class=\"badge [a-z-]+\">([A-Z ]+)</span>");
    for (auto it = std::sregex_iterator(html.begin(), html.end(), badge); it != std::sregex_iterator(); ++it)
        out.push_back((*it)[1]);
    return out;
}

}  // namespace xferd::test
