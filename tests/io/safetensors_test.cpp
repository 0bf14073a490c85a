// SPDX-License-Identifier: MIT
// The safetensors reader's checks (RELIABILITY.md §3), one test each, and atomic writing.
#include "optlab/io/safetensors.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <unistd.h>

#include "optlab/core/error.hpp"

namespace optlab {
namespace {

std::vector<std::byte> raw(const std::string& header, std::size_t data_bytes,
                           std::uint64_t declared = UINT64_MAX) {
    const std::uint64_t n = declared == UINT64_MAX ? header.size() : declared;
    std::vector<std::byte> out(8 + header.size() + data_bytes, std::byte{0});
    std::memcpy(out.data(), &n, 8);
    std::memcpy(out.data() + 8, header.data(), header.size());
    return out;
}

std::string parse_error(const std::vector<std::byte>& bytes) {
    try {
        parse_safetensors(bytes, "x.safetensors");
    } catch (const IoError& e) {
        const std::string message = e.what();
        EXPECT_EQ(message.rfind("x.safetensors: ", 0), 0u) << message;  // names the file
        return message;
    }
    return "";
}

void expect_error(const std::vector<std::byte>& bytes, const char* part) {
    const std::string m = parse_error(bytes);
    EXPECT_NE(m.find(part), std::string::npos) << "expected '" << part << "' in: " << m;
}

const std::string kOne = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";

TEST(Safetensors, RoundTripsTensorsAndMetadata) {
    SafetensorsFile f;
    f.metadata["note"] = "hello";
    f.tensors.push_back({"w", "F32", {2, 3}, std::vector<std::byte>(24, std::byte{7})});
    f.tensors.push_back({"s", "F64", {}, std::vector<std::byte>(8, std::byte{1})});
    f.tensors.push_back({"empty", "I64", {0}, {}});
    const auto bytes = serialize_safetensors(f);
    std::uint64_t n = 0;
    std::memcpy(&n, bytes.data(), 8);
    EXPECT_EQ(n % 8, 0u);  // header padded to 8 bytes, as the reference writer does
    const auto back = parse_safetensors(bytes, "mem");
    EXPECT_EQ(back.metadata.at("note"), "hello");
    EXPECT_EQ(back.metadata.count("crc32"), 1u);
    ASSERT_EQ(back.tensors.size(), 3u);
    const SafeTensor* w = back.find("w");
    ASSERT_NE(w, nullptr);
    EXPECT_EQ(w->shape, (std::vector<std::uint64_t>{2, 3}));
    EXPECT_EQ(w->data, f.tensors[0].data);
    EXPECT_EQ(back.find("s")->shape.size(), 0u);
}

TEST(Safetensors, AcceptsAPlainValidFile) { EXPECT_EQ(parse_error(raw(kOne, 8)), ""); }

TEST(Safetensors, RejectsBadHeaderLengths) {
    expect_error(std::vector<std::byte>(5), "shorter than the 8-byte header length");
    expect_error(raw("", 0, 0), "header length (bytes 0..8) is 0");
    expect_error(raw(kOne, 8, 200'000'000), "exceeds the limit");
    expect_error(raw(kOne, 8, kOne.size() + 100), "runs past the end");
}

TEST(Safetensors, RejectsHeadersThatAreNotUtf8JsonObjects) {
    expect_error(raw("{\"a\xff\":1}", 0), "not valid UTF-8 JSON");
    expect_error(raw("{\"a\":", 0), "not valid UTF-8 JSON");
    expect_error(raw("[1,2]", 0), "not a JSON object");
    expect_error(raw(R"({"a":{"dtype":"F32","shape":[1]}})", 4), "no data_offsets");
    expect_error(raw(R"({"__metadata__":{"k":1}})", 0), "is not a string");
}

TEST(Safetensors, RejectsDuplicateKeys) {
    expect_error(raw(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                     R"("a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                     8),
                 "has the key 'a' twice");
    expect_error(raw(R"({"a":{"dtype":"F32","dtype":"F64","shape":[1],"data_offsets":[0,4]}})", 4),
                 "'dtype' twice");
}

TEST(Safetensors, RejectsUnknownDtypesAndOverflowingShapes) {
    expect_error(raw(R"({"a":{"dtype":"F31","shape":[1],"data_offsets":[0,4]}})", 4),
                 "unknown dtype 'F31'");
    expect_error(raw(R"({"a":{"dtype":"F32","shape":[2,18446744073709551614],"data_offsets":[0,8]}})",
                     8),
                 "overflows");
    expect_error(raw(R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", 4),
                 "not a non-negative integer");
}

TEST(Safetensors, RejectsBadOffsets) {
    expect_error(raw(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}})", 4), "reversed");
    expect_error(raw(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}})", 4),
                 "occupies 4 bytes, its dtype and shape need 8");
    expect_error(raw(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                     R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                     12),
                 "(overlap)");
    expect_error(raw(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                     R"("b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
                     12),
                 "(gap)");
    expect_error(raw(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", 8), "(gap)");
}

TEST(Safetensors, RejectsTrailingAndMissingBytes) {
    expect_error(raw(kOne, 9), "(trailing bytes)");
    expect_error(raw(kOne, 7), "(truncated)");
}

TEST(Safetensors, ChecksumCatchesAFlippedBit) {
    SafetensorsFile f;
    f.tensors.push_back({"w", "F32", {4}, std::vector<std::byte>(16, std::byte{3})});
    auto bytes = serialize_safetensors(f);
    bytes[bytes.size() - 3] ^= std::byte{0x10};
    expect_error(bytes, "CRC-32 of the data is");
}

class AtomicWrite : public ::testing::Test {
  protected:
    std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) /
                                ("optlab_atomic_" + std::to_string(::getpid()));
    void SetUp() override {
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
    }
    void TearDown() override { std::filesystem::remove_all(dir); }
    std::vector<std::filesystem::path> listing() const {
        std::vector<std::filesystem::path> out;
        for (const auto& e : std::filesystem::directory_iterator(dir)) out.push_back(e.path());
        return out;
    }
};

TEST_F(AtomicWrite, ReplacesTheFileAndLeavesNoTemporary) {
    SafetensorsFile f;
    f.tensors.push_back({"w", "F32", {1}, std::vector<std::byte>(4, std::byte{1})});
    write_safetensors(dir / "s.safetensors", f);
    f.tensors[0].data[0] = std::byte{2};
    write_safetensors(dir / "s.safetensors", f);
    EXPECT_EQ(listing(), std::vector<std::filesystem::path>{dir / "s.safetensors"});
    EXPECT_EQ(read_safetensors(dir / "s.safetensors").tensors[0].data[0], std::byte{2});
}

TEST_F(AtomicWrite, AFailedWriteKeepsThePreviousFile) {
    SafetensorsFile f;
    f.tensors.push_back({"w", "F32", {1}, std::vector<std::byte>(4, std::byte{1})});
    const auto target = dir / "s.safetensors";
    write_safetensors(target, f);
    // The temporary name is taken (by a directory): the write cannot start.
    std::filesystem::create_directory(target.string() + ".tmp." + std::to_string(::getpid()));
    f.tensors[0].data[0] = std::byte{9};
    try {
        write_safetensors(target, f);
        FAIL() << "expected an error";
    } catch (const IoError& e) {
        EXPECT_NE(std::string(e.what()).find(target.string()), std::string::npos);
    }
    EXPECT_EQ(read_safetensors(target).tensors[0].data[0], std::byte{1});
    EXPECT_THROW(write_safetensors(dir / "missing" / "s.safetensors", f), IoError);
}

TEST_F(AtomicWrite, TheUpFrontCheckRefusesAMissingFolderAndLeavesNothing) {
    check_can_write_atomic(dir / "s.safetensors");
    EXPECT_TRUE(listing().empty()) << "the probe left its temporary file";
    const auto missing = dir / "missing" / "s.safetensors";
    try {
        check_can_write_atomic(missing);
        FAIL() << "expected an error";
    } catch (const IoError& e) {
        EXPECT_NE(std::string(e.what()).find(missing.string() + ": cannot write in " + (dir / "missing").string() +
                                              ": No such file or directory"),
                  std::string::npos)
            << e.what();
    }
}

TEST_F(AtomicWrite, StaleTemporariesAreSweptAway) {
    std::ofstream(dir / "s.safetensors.tmp.12345") << "partial";
    std::ofstream(dir / "other.tmp.1") << "not ours";
    remove_stale_temporaries(dir / "s.safetensors");
    EXPECT_EQ(listing(), std::vector<std::filesystem::path>{dir / "other.tmp.1"});
}

// AtomicFileWriter: pieces (some past its buffer) land in a temporary file; the target keeps
// its old bytes until commit(), and a writer dropped uncommitted leaves the old file alone.
TEST_F(AtomicWrite, AFileWrittenInPiecesAppearsWholeAtCommit) {
    const auto target = dir / "log.json";
    std::ofstream(target) << "old";
    std::string expected;
    {
        AtomicFileWriter w(target);
        for (int i = 0; i < 20000; ++i) {
            const std::string piece = "{\"i\":" + std::to_string(i) + "},";
            w.write(piece);
            expected += piece;
        }
        const std::string big(200000, 'x');  // more than the buffer at once
        w.write(big);
        expected += big;
        std::ifstream before(target);
        EXPECT_EQ(std::string(std::istreambuf_iterator<char>(before), {}), "old") << "untouched until commit";
        w.commit();
        EXPECT_FALSE(w.is_open());
        EXPECT_THROW(w.write("more"), IoError);
    }
    std::ifstream after(target);
    EXPECT_EQ(std::string(std::istreambuf_iterator<char>(after), {}), expected);
    EXPECT_EQ(listing(), std::vector<std::filesystem::path>{target});
    {
        AtomicFileWriter abandoned(target);
        abandoned.write("half a record");
    }
    EXPECT_EQ(listing(), std::vector<std::filesystem::path>{target}) << "no temporary file left";
    std::ifstream kept(target);
    EXPECT_EQ(std::string(std::istreambuf_iterator<char>(kept), {}), expected);
    EXPECT_THROW(AtomicFileWriter(dir / "missing" / "log.json"), IoError);
}

TEST_F(AtomicWrite, ReadingRefusesDirectoriesAndMissingFiles) {
    EXPECT_THROW(read_safetensors(dir), IoError);
    EXPECT_THROW(read_safetensors(dir / "nope"), IoError);
}

}  // namespace
}  // namespace optlab
