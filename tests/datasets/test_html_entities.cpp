// HTML character references: the named five, numeric ones, what is left alone, and the word
// tokenizer reading "&quot;" as a quote (the "& quot;" of issue 19).
#include <boost/test/unit_test.hpp>

#include "datasets/html_entities.h"
#include "datasets/tokenizer.h"

using namespace attend;

BOOST_AUTO_TEST_SUITE(test_html_entities)

BOOST_AUTO_TEST_CASE(named_and_numeric_references) {
  BOOST_CHECK_EQUAL(unescape_html("stone &amp; tile"), "stone & tile");
  BOOST_CHECK_EQUAL(unescape_html("&quot;Hi&quot; &lt;b&gt; it&apos;s"), "\"Hi\" <b> it's");
  // Moses' escapes of | [ ] and any numeric reference, decimal or hex, to UTF-8.
  BOOST_CHECK_EQUAL(unescape_html("a &#124; b &#91;c&#93;"), "a | b [c]");
  BOOST_CHECK_EQUAL(unescape_html("caf&#xE9; &#X20AC;5 &#8364;"), "caf\u00E9 \u20AC5 \u20AC");
  BOOST_CHECK_EQUAL(unescape_html("&#x1F600;"), "\U0001F600");
}

BOOST_AUTO_TEST_CASE(one_pass_and_what_is_left_alone) {
  // One pass: the result of a reference is not read again.
  BOOST_CHECK_EQUAL(unescape_html("&amp;quot;"), "&quot;");
  BOOST_CHECK_EQUAL(unescape_html("&amp;amp;"), "&amp;");
  // Not references: unknown names, no ';', a lone '&', impossible code points.
  for (const char* s :
       {"&nbsp;", "AT&T", "Q&A", "a & b", "&", "&;", "&#;", "&#x;", "&#0;", "&#xD800;",
        "&#1114112;", "&#x110000;", "&#12a;", "&#99999999999999;", "&amp"})
    BOOST_CHECK_EQUAL(unescape_html(s), s);
  BOOST_CHECK_EQUAL(unescape_html(""), "");
  BOOST_CHECK_EQUAL(unescape_html("&&amp;&"), "&&&");
}

BOOST_AUTO_TEST_CASE(word_tokenizer_unescapes_unless_told_not_to) {
  using Toks = std::vector<std::string>;
  BOOST_CHECK((tokenize("He said &quot;yes&quot; &amp; left.") ==
               Toks{"He", "said", "\"", "yes", "\"", "&", "left", "."}));
  BOOST_CHECK_EQUAL(detokenize(tokenize("A &quot;Lounge &amp; Grill&quot;.")),
                    "A \"Lounge & Grill\".");
  TokenizerOptions keep;
  keep.unescape_html = false;
  BOOST_CHECK(
      (tokenize("&quot;yes&quot;", keep) == Toks{"&", "quot", ";", "yes", "&", "quot", ";"}));
}

BOOST_AUTO_TEST_SUITE_END()
