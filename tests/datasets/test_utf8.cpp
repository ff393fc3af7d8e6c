// UTF-8 validation (what is rejected and where), decoding/encoding, and locale-free lowercasing.
#include <boost/test/unit_test.hpp>

#include "datasets/utf8.h"

using namespace attend;

BOOST_AUTO_TEST_SUITE(test_utf8)

BOOST_AUTO_TEST_CASE(valid_text_passes) {
  BOOST_CHECK_EQUAL(utf8::find_invalid(""), utf8::npos);
  BOOST_CHECK_EQUAL(utf8::find_invalid("Va !"), utf8::npos);
  BOOST_CHECK_EQUAL(utf8::find_invalid("été \u202F € 𝄞 \U0010FFFF"), utf8::npos);
}

BOOST_AUTO_TEST_CASE(invalid_sequences_are_found_at_their_first_byte) {
  BOOST_CHECK_EQUAL(utf8::find_invalid("ab\x80"), 2u);            // stray continuation
  BOOST_CHECK_EQUAL(utf8::find_invalid("a\xC0\xAF"), 1u);         // overlong '/'
  BOOST_CHECK_EQUAL(utf8::find_invalid("\xE0\x80\xAF"), 0u);      // overlong 3-byte
  BOOST_CHECK_EQUAL(utf8::find_invalid("x\xED\xA0\x80"), 1u);     // surrogate U+D800
  BOOST_CHECK_EQUAL(utf8::find_invalid("\xF4\x90\x80\x80"), 0u);  // above U+10FFFF
  BOOST_CHECK_EQUAL(utf8::find_invalid("\xF5\x80\x80\x80"), 0u);  // F5 lead byte
  BOOST_CHECK_EQUAL(utf8::find_invalid("é\xE2\x82"), 2u);         // truncated at the end
  BOOST_CHECK_EQUAL(utf8::find_invalid("\xE2\x82x"), 0u);         // truncated in the middle
}

BOOST_AUTO_TEST_CASE(description_names_byte_and_hints_latin1) {
  const std::string latin1 = "caf\xE9 ok";
  const std::string d = utf8::describe_invalid(latin1, utf8::find_invalid(latin1));
  BOOST_TEST_MESSAGE(d);
  BOOST_CHECK(d.find("byte 4 (0xE9)") != std::string::npos);
  BOOST_CHECK(d.find("Latin-1") != std::string::npos);
  const std::string cut = "\xE2\x82";
  const std::string d2 = utf8::describe_invalid(cut, 0);
  BOOST_CHECK(d2.find("byte 1 (0xE2 0x82)") != std::string::npos);
  BOOST_CHECK(d2.find("Latin-1") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(decode_and_append_round_trip) {
  const std::string s = "aé€𝄞";
  std::string back;
  size_t pos = 0;
  std::vector<char32_t> cps;
  while (pos < s.size()) cps.push_back(utf8::decode(s, pos));
  const std::vector<char32_t> expected = {U'a', 0xE9, 0x20AC, 0x1D11E};
  BOOST_CHECK(cps == expected);
  for (char32_t c : cps) utf8::append(back, c);
  BOOST_CHECK_EQUAL(back, s);
}

BOOST_AUTO_TEST_CASE(lowercasing_does_not_need_a_locale) {
  BOOST_CHECK_EQUAL(utf8::lower("ÀÉÎÕÜ ÇŒÆ Ÿ ĀĹŽ İ"), "àéîõü çœæ ÿ āĺž i");
  BOOST_CHECK_EQUAL(utf8::lower("ΆΈΣΩ ЁЖЯ"), "άέσω ёжя");
  // The multiplication sign, ß and non-letters are unchanged.
  BOOST_CHECK_EQUAL(utf8::lower("× ß 1 ! 中"), "× ß 1 ! 中");
}

BOOST_AUTO_TEST_SUITE_END()
