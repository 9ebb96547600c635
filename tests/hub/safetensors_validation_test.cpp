// Every validation rule of the safetensors reader, on hand-crafted bytes: each malformed file
// gives an automodel::Error that names the file and the problem.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <string>

#include "automodel/core/error.h"
#include "automodel/hub/safetensors.h"
#include "fixtures.h"

namespace automodel {
namespace {

using ::testing::HasSubstr;

// 8-byte little-endian length + header text + data bytes.
std::string file_bytes(const std::string& header, size_t data_bytes, uint64_t declared_len = UINT64_MAX) {
  const uint64_t n = declared_len == UINT64_MAX ? header.size() : declared_len;
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = char((n >> (8 * i)) & 0xff);
  return out + header + std::string(data_bytes, '\x01');
}

std::string parse_error(const std::string& bytes) {
  try {
    parse_safetensors_header(std::span(reinterpret_cast<const std::byte*>(bytes.data()), bytes.size()), "bad.safetensors");
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

SafetensorsHeader parse_ok(const std::string& bytes) {
  return parse_safetensors_header(std::span(reinterpret_cast<const std::byte*>(bytes.data()), bytes.size()), "ok");
}

std::string one_tensor(const std::string& fields) { return "{\"w\":{" + fields + "}}"; }

TEST(SafetensorsValidation, WellFormedFileParses) {
  const auto h = parse_ok(file_bytes(one_tensor(R"("dtype":"F32","shape":[2,3],"data_offsets":[0,24])"), 24));
  ASSERT_EQ(h.entries.size(), 1u);
  EXPECT_EQ(h.entries[0].shape, Shape({2, 3}));
}

TEST(SafetensorsValidation, FileTooSmallForLength) {
  EXPECT_THAT(parse_error("abc"), HasSubstr("bad.safetensors: file is 3 bytes, too small for the 8-byte header length"));
  EXPECT_THAT(parse_error(""), HasSubstr("file is 0 bytes"));
}

TEST(SafetensorsValidation, HeaderLengthOverLimit) {
  EXPECT_THAT(parse_error(file_bytes("{}", 0, 100'000'001)), HasSubstr("header length 100000001 exceeds the limit of 100000000"));
  EXPECT_THAT(parse_error(file_bytes("{}", 0, UINT64_MAX - 1)), HasSubstr("exceeds the limit"));
}

TEST(SafetensorsValidation, HeaderLengthPastEndOfFile) {
  EXPECT_THAT(parse_error(file_bytes("{}", 0, 50)), HasSubstr("header length 50 runs past the end of the file (10 bytes)"));
}

TEST(SafetensorsValidation, HeaderNotJson) {
  EXPECT_THAT(parse_error(file_bytes("{\"w\": ", 0)), HasSubstr("bad.safetensors: header is not valid JSON"));
  EXPECT_THAT(parse_error(file_bytes("", 0)), HasSubstr("header is not valid JSON"));
  // Invalid UTF-8 inside a string.
  EXPECT_THAT(parse_error(file_bytes("{\"\xff\":1}", 0)), HasSubstr("header is not valid JSON"));
  // Number overflow (nlohmann out_of_range, not parse_error).
  EXPECT_THAT(parse_error(file_bytes("{\"x\":1e999}", 0)), HasSubstr("header is not valid JSON: number overflow"));
}

TEST(SafetensorsValidation, HeaderNotObject) {
  EXPECT_THAT(parse_error(file_bytes("[1,2]", 0)), HasSubstr("header must be a JSON object, found array"));
}

TEST(SafetensorsValidation, EntryNotObject) {
  EXPECT_THAT(parse_error(file_bytes(R"({"w":[1]})", 0)), HasSubstr("tensor 'w': expected an object with dtype, shape and data_offsets, found array"));
}

TEST(SafetensorsValidation, MissingFields) {
  EXPECT_THAT(parse_error(file_bytes(one_tensor(R"("shape":[1],"data_offsets":[0,4])"), 4)),
              HasSubstr("tensor 'w': missing field 'dtype'"));
  EXPECT_THAT(parse_error(file_bytes(one_tensor(R"("dtype":"F32","data_offsets":[0,4])"), 4)),
              HasSubstr("tensor 'w': missing field 'shape'"));
  EXPECT_THAT(parse_error(file_bytes(one_tensor(R"("dtype":"F32","shape":[1])"), 4)),
              HasSubstr("tensor 'w': missing field 'data_offsets'"));
}

TEST(SafetensorsValidation, WrongFieldTypes) {
  EXPECT_THAT(parse_error(file_bytes(one_tensor(R"("dtype":32,"shape":[1],"data_offsets":[0,4])"), 4)),
              HasSubstr("'dtype' must be a string, found integer"));
  EXPECT_THAT(parse_error(file_bytes(one_tensor(R"("dtype":"F32","shape":"1","data_offsets":[0,4])"), 4)),
              HasSubstr("'shape' must be an array of integers, found string"));
  EXPECT_THAT(parse_error(file_bytes(one_tensor(R"("dtype":"F32","shape":[1.5],"data_offsets":[0,4])"), 4)),
              HasSubstr("shape[0] must be a non-negative integer, found 1.5"));
  EXPECT_THAT(parse_error(file_bytes(one_tensor(R"("dtype":"F32","shape":[-1],"data_offsets":[0,4])"), 4)),
              HasSubstr("shape[0] must be a non-negative integer, found -1"));
  EXPECT_THAT(parse_error(file_bytes(one_tensor(R"("dtype":"F32","shape":[1],"data_offsets":[0])"), 4)),
              HasSubstr("'data_offsets' must be an array of two integers [begin, end], found an array of 1"));
  EXPECT_THAT(parse_error(file_bytes(one_tensor(R"("dtype":"F32","shape":[1],"data_offsets":{"a":1})"), 4)),
              HasSubstr("'data_offsets' must be an array of two integers [begin, end], found object"));
  EXPECT_THAT(parse_error(file_bytes(one_tensor(R"("dtype":"F32","shape":[1],"data_offsets":[-4,0])"), 4)),
              HasSubstr("'data_offsets' must be non-negative integers, found [-4,0]"));
}

TEST(SafetensorsValidation, UnknownAndUnsupportedDtypes) {
  EXPECT_THAT(parse_error(file_bytes(one_tensor(R"("dtype":"F33","shape":[1],"data_offsets":[0,4])"), 4)),
              HasSubstr("tensor 'w': unknown dtype 'F33' (expected one of F64, F32"));
  EXPECT_THAT(parse_error(file_bytes(one_tensor(R"("dtype":"U32","shape":[1],"data_offsets":[0,4])"), 4)),
              HasSubstr("dtype 'U32' is valid safetensors but not supported by automodel"));
}

TEST(SafetensorsValidation, EveryHfDtypeParses) {
  const std::pair<const char*, int> dtypes[] = {{"F64", 8}, {"F32", 4}, {"F16", 2},    {"BF16", 2},   {"I64", 8},
                                                {"I32", 4}, {"I16", 2}, {"I8", 1},     {"U8", 1},     {"BOOL", 1},
                                                {"F8_E4M3", 1}, {"F8_E5M2", 1}};
  for (auto [name, size] : dtypes) {
    const std::string header = one_tensor(std::string("\"dtype\":\"") + name + "\",\"shape\":[3],\"data_offsets\":[0," +
                                          std::to_string(3 * size) + "]");
    const auto h = parse_ok(file_bytes(header, 3 * size));
    EXPECT_EQ(dtype_info(h.entries[0].dtype).safetensors_name, name);
  }
}

TEST(SafetensorsValidation, TooManyDimensions) {
  EXPECT_THAT(parse_error(file_bytes(one_tensor(R"("dtype":"U8","shape":[1,1,1,1,1,1,1,1,1],"data_offsets":[0,1])"), 1)),
              HasSubstr("shape has 9 dimensions; automodel supports at most 8"));
}

TEST(SafetensorsValidation, ByteLengthMustMatchShape) {
  EXPECT_THAT(parse_error(file_bytes(one_tensor(R"("dtype":"F32","shape":[2,3],"data_offsets":[0,20])"), 20)),
              HasSubstr("tensor 'w': data_offsets [0,20] hold 20 bytes, but shape [2, 3] of F32 needs 24 bytes"));
}

TEST(SafetensorsValidation, ShapeOverflowIsCaught) {
  EXPECT_THAT(parse_error(file_bytes(
                  one_tensor(R"("dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0])"), 0)),
              HasSubstr("overflows a 64-bit byte count"));
  EXPECT_THAT(parse_error(file_bytes(one_tensor(R"("dtype":"F64","shape":[2305843009213693952],"data_offsets":[0,0])"), 0)),
              HasSubstr("overflows a 64-bit byte count"));
  // A zero anywhere makes the product zero, however large the other sizes.
  EXPECT_EQ(parse_error(file_bytes(one_tensor(R"("dtype":"F32","shape":[4294967296,4294967296,0],"data_offsets":[0,0])"), 0)),
            "(no error)");
}

TEST(SafetensorsValidation, OffsetsEndBeforeBegin) {
  EXPECT_THAT(parse_error(file_bytes(one_tensor(R"("dtype":"U8","shape":[0],"data_offsets":[4,0])"), 4)),
              HasSubstr("data_offsets [4,0] end before they begin"));
}

TEST(SafetensorsValidation, OffsetsOutsideDataSection) {
  EXPECT_THAT(parse_error(file_bytes(one_tensor(R"("dtype":"F32","shape":[2],"data_offsets":[0,8])"), 4)),
              HasSubstr("tensor 'w': data_offsets [0, 8] run past the end of the data section (4 bytes)"));
}

TEST(SafetensorsValidation, GapBetweenTensors) {
  const std::string h =
      R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[2],"data_offsets":[3,5]}})";
  EXPECT_THAT(parse_error(file_bytes(h, 5)),
              HasSubstr("tensor 'b': data_offsets begin at 3 but the previous tensor 'a' ends at 2"));
  const std::string first = R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[1,3]}})";
  EXPECT_THAT(parse_error(file_bytes(first, 3)), HasSubstr("tensor 'a': data_offsets begin at 1 but the previous tensor data at 0"));
}

TEST(SafetensorsValidation, OverlappingTensors) {
  const std::string h =
      R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[2],"data_offsets":[2,4]}})";
  EXPECT_THAT(parse_error(file_bytes(h, 4)), HasSubstr("tensor 'b': data_offsets [2, 4] overlap tensor 'a' [0, 4]"));
}

TEST(SafetensorsValidation, TensorsOutOfOrderInHeaderAreFine) {
  // The reference sorts by offset before checking, so header order does not matter.
  const std::string h =
      R"({"b":{"dtype":"U8","shape":[2],"data_offsets":[2,4]},"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}})";
  const auto parsed = parse_ok(file_bytes(h, 4));
  ASSERT_EQ(parsed.entries.size(), 2u);
  EXPECT_EQ(parsed.entries[0].name, "a");
}

TEST(SafetensorsValidation, TrailingBytesNotCovered) {
  EXPECT_THAT(parse_error(file_bytes(one_tensor(R"("dtype":"U8","shape":[2],"data_offsets":[0,2])"), 6)),
              HasSubstr("the data section is 6 bytes but the tensors cover 2 (4 bytes are not part of any tensor)"));
}

TEST(SafetensorsValidation, DuplicateTensorName) {
  const std::string h =
      R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"a":{"dtype":"U8","shape":[2],"data_offsets":[2,4]}})";
  EXPECT_THAT(parse_error(file_bytes(h, 4)), HasSubstr("header names tensor 'a' more than once"));
}

TEST(SafetensorsValidation, DuplicateField) {
  EXPECT_THAT(parse_error(file_bytes(one_tensor(R"("dtype":"U8","dtype":"I8","shape":[2],"data_offsets":[0,2])"), 2)),
              HasSubstr("tensor 'w': field 'dtype' appears more than once"));
}

TEST(SafetensorsValidation, MetadataMustBeStrings) {
  EXPECT_THAT(parse_error(file_bytes(R"({"__metadata__":[1]})", 0)),
              HasSubstr("'__metadata__' must be an object of strings, found array"));
  EXPECT_THAT(parse_error(file_bytes(R"({"__metadata__":{"format":1}})", 0)),
              HasSubstr("'__metadata__' value 'format' must be a string, found integer"));
  const auto h = parse_ok(file_bytes(R"({"__metadata__":{"format":"pt"}})", 0));
  EXPECT_EQ(h.metadata.at("format"), "pt");
  EXPECT_TRUE(h.entries.empty());
}

TEST(SafetensorsValidation, OpenNamesThePath) {
  const auto dir = testing::scratch_dir("validation_open");
  const auto path = dir / "broken.safetensors";
  {
    std::ofstream f(path, std::ios::binary);
    const auto bytes = file_bytes(one_tensor(R"("dtype":"F32","shape":[2],"data_offsets":[0,4])"), 4);
    f.write(bytes.data(), std::streamsize(bytes.size()));
  }
  try {
    SafetensorsFile::open(path);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr(path.string() + ": tensor 'w': data_offsets [0,4] hold 4 bytes"));
  }
  EXPECT_THROW(SafetensorsFile::open(dir / "missing.safetensors"), Error);
}

}  // namespace
}  // namespace automodel
