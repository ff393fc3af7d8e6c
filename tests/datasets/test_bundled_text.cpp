// The bundled text datasets (datasets/bundled.h): sizes, disjoint splits, lengths, vocabulary,
// French agreement and word order, facts of the summaries found in their documents, and that the
// generators in datasets/generators/ rewrite the committed files byte for byte.
#include <algorithm>
#include <array>
#include <boost/test/unit_test.hpp>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>

#include "data_test_util.h"
#include "datasets/bundled.h"
#include "datasets/tokenizer.h"

using namespace attend;

namespace {

const std::string kSourceData = ATTEND_SOURCE_DIR "/datasets/data";

// The datasets are read once and shared by the cases.
const TextSplits& splits(const std::string& name) {
  static std::map<std::string, TextSplits> cache;
  auto it = cache.find(name);
  if (it == cache.end()) it = cache.emplace(name, load_bundled_text(name)).first;
  return it->second;
}

std::vector<const TextPair*> all_pairs(const TextSplits& s) {
  std::vector<const TextPair*> out;
  for (const auto* part : {&s.train, &s.valid, &s.test})
    for (const auto& p : *part) out.push_back(&p);
  return out;
}

std::vector<std::string> lower_tokens(const std::string& text) {
  TokenizerOptions o;
  o.lowercase = true;
  return tokenize(text, o);
}

bool has_sequence(const std::vector<std::string>& toks, const std::vector<std::string>& seq) {
  return std::search(toks.begin(), toks.end(), seq.begin(), seq.end()) != toks.end();
}

// French words that begin with a vowel or a mute h (every h-word of the lexicon is mute).
bool fr_vowel_initial(const std::string& w) {
  for (const char* v : {"a", "e", "i", "o", "u", "y", "h", "\u00E0", "\u00E2", "\u00E9", "\u00E8",
                        "\u00EA", "\u00EE", "\u00F4", "\u00FB", "\u0153"})
    if (w.starts_with(v)) return true;
  return false;
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

bool is_word(const std::string& t) {
  const auto c = static_cast<unsigned char>(t[0]);
  return std::isalpha(c) || c >= 0x80;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_bundled_text)

BOOST_AUTO_TEST_CASE(names_files_and_sizes) {
  const std::vector<std::string> names = {"toy-en-fr", "toy-fr-en", "toy-summarization"};
  BOOST_TEST(bundled_dataset_names() == names, boost::test_tools::per_element());
  for (const auto& n : names)
    for (const auto& f : bundled_dataset_files(n))
      BOOST_CHECK_MESSAGE(std::filesystem::exists(f), f << " is missing");
  const auto& en_fr = splits("toy-en-fr");
  BOOST_CHECK_EQUAL(en_fr.train.size(), 28000u);
  BOOST_CHECK_EQUAL(en_fr.valid.size(), 1000u);
  BOOST_CHECK_EQUAL(en_fr.test.size(), 1000u);
  const auto& sum = splits("toy-summarization");
  BOOST_CHECK_EQUAL(sum.train.size(), 13000u);
  BOOST_CHECK_EQUAL(sum.valid.size(), 1000u);
  BOOST_CHECK_EQUAL(sum.test.size(), 1000u);
  BOOST_TEST_MESSAGE("example: " << en_fr.train[0].source << " -> " << en_fr.train[0].target);
  // toy-fr-en is toy-en-fr with the columns swapped.
  const auto& fr_en = splits("toy-fr-en");
  BOOST_REQUIRE_EQUAL(fr_en.test.size(), en_fr.test.size());
  for (size_t i = 0; i < en_fr.test.size(); ++i) {
    BOOST_REQUIRE_EQUAL(fr_en.test[i].source, en_fr.test[i].target);
    BOOST_REQUIRE_EQUAL(fr_en.test[i].target, en_fr.test[i].source);
  }
}

BOOST_AUTO_TEST_CASE(splits_share_no_source) {
  for (const std::string name : {"toy-en-fr", "toy-fr-en", "toy-summarization"}) {
    const auto& s = splits(name);
    std::set<std::string> seen;
    size_t total = 0;
    for (const auto* p : all_pairs(s)) {
      seen.insert(p->source);
      ++total;
    }
    // Every source once in the whole dataset: so none within a split or across two.
    BOOST_CHECK_MESSAGE(seen.size() == total,
                        name << ": " << total - seen.size() << " repeated source(s)");
  }
}

BOOST_AUTO_TEST_CASE(english_lengths_run_from_3_to_30_tokens) {
  std::map<size_t, int> hist;
  for (const auto* p : all_pairs(splits("toy-en-fr"))) {
    const size_t n = tokenize(p->source).size();
    ++hist[n];
    BOOST_CHECK_MESSAGE(n >= 3 && n <= 30,
                        "line " << p->line << ": " << n << " tokens: " << p->source);
  }
  BOOST_CHECK_EQUAL(hist.begin()->first, 3u);
  BOOST_CHECK_EQUAL(hist.rbegin()->first, 30u);
  std::ostringstream os;
  for (const auto& [n, c] : hist) {
    os << " " << n << ":" << c;
    // every length is represented, the longest ones included
    BOOST_CHECK_MESSAGE(c >= 50, "only " << c << " sentences of " << n << " tokens");
  }
  BOOST_TEST_MESSAGE("English length distribution:" << os.str());
}

BOOST_AUTO_TEST_CASE(vocabulary_has_at_least_150_words_per_side) {
  std::set<std::string> en, fr;
  for (const auto* p : all_pairs(splits("toy-en-fr"))) {
    for (const auto& t : lower_tokens(p->source))
      if (is_word(t)) en.insert(t);
    for (const auto& t : lower_tokens(p->target))
      if (is_word(t)) fr.insert(t);
  }
  BOOST_TEST_MESSAGE("distinct words: English " << en.size() << ", French " << fr.size());
  BOOST_CHECK_GE(en.size(), 150u);
  BOOST_CHECK_GE(fr.size(), 150u);
  for (const char* w : {"voiture", "rouge", "vieil", "l'", "qu'", "au", "aux", "du", "jamais",
                        "lisait", "verra", "achetées", "s\u0153ur", "\u0153ufs"})
    BOOST_CHECK_MESSAGE(fr.count(w), "French never uses '" << w << "'");
}

BOOST_AUTO_TEST_CASE(adjectives_agree_and_take_their_french_place) {
  // English adjective + noun -> French noun + adjective (colours) or adjective + noun (petit,
  // vieux, beau, nouveau, with vieil/bel/nouvel before a vowel), agreeing in gender and number.
  struct Adj {
    std::string en;
    std::array<std::string, 5> fr;  // ms fs mp fp, ms before a vowel
    bool before;
  };
  struct Noun {
    std::string en_sg, en_pl, fr_sg, fr_pl;
    bool feminine, vowel;
  };
  const std::vector<Adj> adjs = {
      {"red", {"rouge", "rouge", "rouges", "rouges", "rouge"}, false},
      {"white", {"blanc", "blanche", "blancs", "blanches", "blanc"}, false},
      {"black", {"noir", "noire", "noirs", "noires", "noir"}, false},
      {"green", {"vert", "verte", "verts", "vertes", "vert"}, false},
      {"small", {"petit", "petite", "petits", "petites", "petit"}, true},
      {"old", {"vieux", "vieille", "vieux", "vieilles", "vieil"}, true},
      {"beautiful", {"beau", "belle", "beaux", "belles", "bel"}, true},
      {"new", {"nouveau", "nouvelle", "nouveaux", "nouvelles", "nouvel"}, true},
  };
  const std::vector<Noun> nouns = {
      {"car", "cars", "voiture", "voitures", true, false},
      {"dress", "dresses", "robe", "robes", true, false},
      {"hat", "hats", "chapeau", "chapeaux", false, false},
      {"ball", "balls", "ballon", "ballons", false, false},
      {"box", "boxes", "bo\u00EEte", "bo\u00EEtes", true, false},
      {"shirt", "shirts", "chemise", "chemises", true, false},
      {"house", "houses", "maison", "maisons", true, false},
      {"man", "men", "homme", "hommes", false, true},
      {"tree", "trees", "arbre", "arbres", false, true},
      {"hotel", "hotels", "h\u00F4tel", "h\u00F4tels", false, true},
      {"computer", "computers", "ordinateur", "ordinateurs", false, true},
  };
  int seen_before = 0, seen_after = 0;
  for (const auto* p : all_pairs(splits("toy-en-fr"))) {
    const auto en = lower_tokens(p->source), fr = lower_tokens(p->target);
    for (const auto& a : adjs)
      for (const auto& n : nouns)
        for (const bool pl : {false, true}) {
          if (!has_sequence(en, {a.en, pl ? n.en_pl : n.en_sg})) continue;
          const std::string& adj =
              a.fr[!pl && !n.feminine && n.vowel ? 4 : (pl ? 2 : 0) + (n.feminine ? 1 : 0)];
          const std::string& noun = pl ? n.fr_pl : n.fr_sg;
          (a.before ? seen_before : seen_after) += 1;
          const std::vector<std::string> want =
              a.before ? std::vector<std::string>{adj, noun} : std::vector<std::string>{noun, adj};
          BOOST_CHECK_MESSAGE(has_sequence(fr, want), p->source << " -> " << p->target
                                                                << ": expected '" << want[0] << " "
                                                                << want[1] << "'");
        }
  }
  BOOST_TEST_MESSAGE("checked " << seen_after << " colour and " << seen_before
                                << " preposed adjective-noun pairs");
  BOOST_CHECK_GE(seen_after, 50);
  BOOST_CHECK_GE(seen_before, 50);
}

BOOST_AUTO_TEST_CASE(french_elides_contracts_and_negates) {
  const std::set<std::string> elide = {"je", "me", "te", "le", "la", "ne", "de", "que", "ce"};
  for (const auto* p : all_pairs(splits("toy-en-fr"))) {
    const auto en = lower_tokens(p->source), fr = lower_tokens(p->target);
    int neg = 0, pas = 0;
    for (size_t i = 0; i < fr.size(); ++i) {
      if (i + 1 < fr.size()) {
        BOOST_CHECK_MESSAGE(!(elide.count(fr[i]) && fr_vowel_initial(fr[i + 1])),
                            "no elision: " << p->target);
        BOOST_CHECK_MESSAGE(
            !((fr[i] == "à" || fr[i] == "de") && (fr[i + 1] == "le" || fr[i + 1] == "les")),
            "no contraction: " << p->target);
      }
      neg += fr[i] == "ne" || fr[i] == "n'";
      pas += fr[i] == "pas" || fr[i] == "jamais";
    }
    int en_neg = 0;
    for (const auto& t : en) en_neg += t == "not" || t == "never";
    BOOST_CHECK_MESSAGE(neg == pas && neg == en_neg,
                        "negation: " << p->source << " -> " << p->target);
  }
}

BOOST_AUTO_TEST_CASE(object_pronouns_precede_the_verb_and_participles_agree) {
  // "SUBJ VERB him/her/them ...": in French the pronoun comes right after the subject (je le
  // vois, elle lui donne), and after avoir the participle agrees with a preceding direct object
  // (je l'ai vue, nous les avons vus).
  const std::set<std::string> subjects = {"i", "you", "he", "she", "we", "they"};
  const std::set<std::string> auxiliaries = {"will",  "did",   "used",   "do",       "does",
                                             "never", "often", "always", "sometimes"};
  const std::map<std::string, std::set<std::string>> pronoun = {
      {"him", {"le", "l'", "lui"}}, {"her", {"la", "l'", "lui"}}, {"them", {"les", "leur"}}};
  const std::set<std::string> avoir = {"ai", "as", "a", "avons", "ont"};
  const std::set<std::string> after_object = {
      ".",     "and",     "but",   "in",        "at",       "near",  "behind", "next", "far",
      "with",  "for",     "every", "yesterday", "tomorrow", "today", "now",    "last", "this",
      "these", "tonight", "soon",  "the",       "a",        "an",    "my",     "your", "his",
      "her",   "our",     "their", "two",       "three",    "four",  "five",   "many"};
  int checked = 0, participles = 0;
  for (const auto* p : all_pairs(splits("toy-en-fr"))) {
    const auto en = lower_tokens(p->source), fr = lower_tokens(p->target);
    if (en.size() < 4 || !subjects.count(en[0]) || auxiliaries.count(en[1]) ||
        !pronoun.count(en[2]))
      continue;
    // "her" is also the possessive (she buys her shoe): a pronoun only before something that
    // cannot follow a possessive.
    if (en[2] == "her" && !after_object.count(en[3])) continue;
    ++checked;
    BOOST_REQUIRE_GE(fr.size(), 4u);
    BOOST_CHECK_MESSAGE(pronoun.at(en[2]).count(fr[1]), p->source << " -> " << p->target);
    if (avoir.count(fr[2]) && fr[1] != "lui" && fr[1] != "leur") {
      ++participles;
      const std::string& pp = fr[3];
      const bool feminine = en[2] == "her", plural = en[2] == "them";
      const bool ok = plural ? pp.ends_with("s") : feminine ? pp.ends_with("e") : true;
      BOOST_CHECK_MESSAGE(ok, "participle does not agree: " << p->source << " -> " << p->target);
    }
  }
  BOOST_TEST_MESSAGE("checked " << checked << " pronoun objects, " << participles
                                << " participles");
  BOOST_CHECK_GE(checked, 100);
  BOOST_CHECK_GE(participles, 20);
}

BOOST_AUTO_TEST_CASE(summaries_copy_their_facts_from_the_document) {
  int64_t shortest = 1 << 30, longest = 0;
  for (const auto* p : all_pairs(splits("toy-summarization"))) {
    const auto doc = tokenize(p->source), sum = tokenize(p->target);
    const auto n = static_cast<int64_t>(doc.size());
    shortest = std::min(shortest, n);
    longest = std::max(longest, n);
    BOOST_CHECK_MESSAGE(n >= 40 && n <= 150,
                        "line " << p->line << ": document of " << n << " tokens");
    BOOST_CHECK_LT(sum.size(), doc.size());
    const std::set<std::string> in_doc(doc.begin(), doc.end());
    for (const auto& t : sum) {
      const bool fact = std::isupper(static_cast<unsigned char>(t[0])) ||
                        t.find_first_of("0123456789") != std::string::npos;
      if (fact)
        BOOST_CHECK_MESSAGE(in_doc.count(t), "line " << p->line << ": summary fact '" << t
                                                     << "' is not in the document");
    }
  }
  BOOST_TEST_MESSAGE("document tokens: " << shortest << " .. " << longest);
}

BOOST_AUTO_TEST_CASE(errors_name_the_problem) {
  test::check_data_error([] { load_bundled_text("toy-de-en"); }, "", 0,
                         "unknown bundled dataset 'toy-de-en': expected one of toy-en-fr");
  const char* old = std::getenv("ATTEND_DATA_DIR");
  const std::string saved = old ? old : "";
  test::TempDir empty;
  const std::string missing = empty.path("nowhere");
  setenv("ATTEND_DATA_DIR", missing.c_str(), 1);
  test::check_data_error([] { load_bundled_text("toy-en-fr"); }, missing, 0,
                         "bundled data directory not found");
  setenv("ATTEND_DATA_DIR", empty.root().c_str(), 1);
  test::check_data_error([] { load_bundled_text("toy-summarization"); },
                         empty.path("summarization.train.jsonl.gz"), 0, "gen_summarization.py");
  if (old)
    setenv("ATTEND_DATA_DIR", saved.c_str(), 1);
  else
    unsetenv("ATTEND_DATA_DIR");
}

BOOST_AUTO_TEST_CASE(generators_reproduce_the_committed_files) {
  if (std::system("python3 --version > /dev/null 2>&1") != 0) {
    BOOST_TEST_MESSAGE("SKIPPED: python3 is not available to rerun the generators");
    return;
  }
  test::TempDir out;
  for (const char* gen : {"gen_translation.py", "gen_summarization.py"}) {
    const std::string cmd = std::string("python3 '") + ATTEND_SOURCE_DIR + "/datasets/generators/" +
                            gen + "' --out '" + out.root() + "'";
    BOOST_REQUIRE_MESSAGE(std::system(cmd.c_str()) == 0, "failed: " << cmd);
  }
  for (const char* stem : {"translation.train.tsv.gz", "translation.valid.tsv.gz",
                           "translation.test.tsv.gz", "summarization.train.jsonl.gz",
                           "summarization.valid.jsonl.gz", "summarization.test.jsonl.gz"}) {
    const std::string committed = read_bytes(kSourceData + "/" + stem);
    const std::string fresh = read_bytes(out.path(stem));
    BOOST_CHECK_MESSAGE(!committed.empty(), stem << " is missing from datasets/data");
    BOOST_CHECK_MESSAGE(committed == fresh, stem << ": the generator's output (" << fresh.size()
                                                 << " bytes) differs from the committed file ("
                                                 << committed.size() << " bytes)");
  }
}

BOOST_AUTO_TEST_SUITE_END()
