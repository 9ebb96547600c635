// parse_json: the same documents as nlohmann's own parser, in linear time for large objects, with
// errors naming the source and the position; JsonObjectBuilder's key semantics.
#include "automodel/hub/json_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "automodel/core/error.h"

namespace automodel {
namespace {

using ::testing::HasSubstr;

std::string parse_error(const std::string& text) {
  try {
    parse_json(text, "f.json");
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

// nlohmann's DOM parser is the reference: every document must come out identical, key order
// included (ordered_json compares objects in order).
TEST(ParseJson, SameDocumentsAsNlohmannsParser) {
  const char* docs[] = {
      "null", "true", "-3", "18446744073709551615", "1.5e300", "\"caf\\u00e9 \\ud83d\\ude00\"", "[]", "{}",
      R"({"b": 1, "a": [1, 2.5, {"z": null, "y": [[], {}]}], "c": {"k": "v"}})",
      R"([{"x": 1}, {"x": 2, "w": false}, "s", -0.0])",
      R"({"dup": 1, "other": 2, "dup": 3})",
      R"({"a": {"dup": [1], "dup": {"n": 1}}, "a": 5})",
  };
  for (const char* d : docs) EXPECT_EQ(parse_json(d, "doc"), json::parse(d)) << d;
}

// A repeated key keeps its first position and the last value (json.loads does the same), in
// small objects (scanned) and large ones (indexed).
TEST(ParseJson, RepeatedKeysKeepFirstPositionAndLastValue) {
  const json small = parse_json(R"({"a": 1, "b": 2, "a": 3})", "f.json");
  ASSERT_EQ(small.size(), 2u);
  EXPECT_EQ(small.begin().key(), "a");
  EXPECT_EQ(small["a"], 3);

  std::string text = "{";
  for (int i = 0; i < 100; ++i) text += "\"k" + std::to_string(i) + "\": " + std::to_string(i) + ", ";
  text += "\"k7\": \"again\", \"k99\": null}";
  const json large = parse_json(text, "f.json");
  EXPECT_EQ(large, json::parse(text));
  ASSERT_EQ(large.size(), 100u);
  EXPECT_EQ(large["k7"], "again");
  EXPECT_TRUE(large["k99"].is_null());
  auto it = large.begin();
  std::advance(it, 7);
  EXPECT_EQ(it.key(), "k7");
}

// A vocabulary-sized object (200k keys, which ordered_json's own insertion would take minutes
// over): the file's order and every value.
TEST(ParseJson, LargeObjectKeepsOrder) {
  std::string text = "{";
  for (int i = 0; i < 200000; ++i) text += (i ? ",\"t" : "\"t") + std::to_string(199999 - i) + "\":" + std::to_string(i);
  text += "}";
  const json vocab = parse_json(text, "vocab.json");
  ASSERT_EQ(vocab.size(), 200000u);
  EXPECT_EQ(vocab.begin().key(), "t199999");
  EXPECT_EQ(vocab.back(), 199999);
  EXPECT_EQ(vocab["t0"], 199999);
}

TEST(ParseJson, ErrorsNameTheSourceAndPosition) {
  EXPECT_THAT(parse_error("{\"a\": 1,\n  \"b\" 2}"), HasSubstr("f.json: invalid JSON at line 2, column"));
  EXPECT_THAT(parse_error("[1, 2"), HasSubstr("f.json: invalid JSON at line 1, column"));
  EXPECT_THAT(parse_error("{} trailing"), HasSubstr("f.json: invalid JSON at line 1, column"));
  EXPECT_THAT(parse_error(""), HasSubstr("f.json: invalid JSON"));
  EXPECT_THAT(parse_error("[1e999]"), HasSubstr("f.json: invalid JSON: number overflow"));
}

TEST(JsonObjectBuilder, SetAgainKeepsPositionTakesValueAndTakeEmpties) {
  JsonObjectBuilder b;
  for (int i = 0; i < 40; ++i) b["k" + std::to_string(i % 20)] = i;  // past the scan limit, every key twice
  EXPECT_EQ(b.size(), 20u);
  const json o = b.take();
  ASSERT_EQ(o.size(), 20u);
  EXPECT_EQ(o.begin().key(), "k0");
  EXPECT_EQ(o["k0"], 20);
  EXPECT_EQ(o["k19"], 39);
  EXPECT_EQ(b.size(), 0u);
  b["x"] = 1;
  EXPECT_EQ(b.take(), json::parse(R"({"x": 1})"));
}

}  // namespace
}  // namespace automodel
