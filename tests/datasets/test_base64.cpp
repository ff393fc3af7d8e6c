// Base64 as RFC 4648 defines it (its test vectors), every byte value, and strict decoding.
#include <boost/test/unit_test.hpp>

#include "data_test_util.h"
#include "datasets/base64.h"

using namespace attend;

BOOST_AUTO_TEST_SUITE(test_base64)

BOOST_AUTO_TEST_CASE(rfc4648_test_vectors) {
  const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    BOOST_CHECK_EQUAL(base64_encode(plain), encoded);
    BOOST_CHECK_EQUAL(base64_decode(encoded), plain);
  }
}

BOOST_AUTO_TEST_CASE(every_byte_round_trips) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes += static_cast<char>(i);
  for (size_t n = 0; n <= bytes.size(); n += 37) {
    const std::string part = bytes.substr(0, n) + bytes.substr(256 - n);
    BOOST_CHECK(base64_decode(base64_encode(part)) == part);
  }
  BOOST_CHECK_EQUAL(base64_encode("\xFF\xFE\xFD"), "//79");
}

BOOST_AUTO_TEST_CASE(bad_text_is_a_data_error) {
  test::check_data_error([] { base64_decode("Zm9"); }, "", 0, "not a multiple of 4");
  test::check_data_error([] { base64_decode("Zm9v YmFy"); }, "", 0, "not a multiple of 4");
  test::check_data_error([] { base64_decode("Zm9*"); }, "", 0, "character 4");
  test::check_data_error([] { base64_decode("Zg==Zg=="); }, "", 0, "character 3");
  test::check_data_error([] { base64_decode("===="); }, "", 0, "not in the alphabet");
  // "Zh==" has bits set that "f" does not: only one spelling of each byte string is accepted.
  test::check_data_error([] { base64_decode("Zh=="); }, "", 0, "non-zero bits");
  test::check_data_error([] { base64_decode("Zm9="); }, "", 0, "non-zero bits");
}

BOOST_AUTO_TEST_SUITE_END()
