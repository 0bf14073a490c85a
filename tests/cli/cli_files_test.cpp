// SPDX-License-Identifier: MIT
// Bad files through the real binary: data and checkpoints that lie, damaged gzip, non-files,
// unreadable and read-only places, a full disk — each refused with the file named, exit 2,
// nothing written or lost.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "cli_support.hpp"
#include "optlab/core/rng.hpp"
#include "optlab/io/safetensors.hpp"
#include "optlab/optim/registry.hpp"
#include "optlab/problems/functions2d.hpp"

namespace optlab {
namespace {



// ---- bad files through the real binary: exit 2, the file named, nothing written --------------

struct BadFile {
    const char* case_name;  // the test's name
    const char* name;   // which of the four files to replace
    std::vector<unsigned char> bytes;
    bool gzip;
    const char* message;
};

void PrintTo(const BadFile& c, std::ostream* os) { *os << c.name << (c.gzip ? ".gz" : "") << ": " << c.message; }

class CliBadData : public CliTrain, public ::testing::WithParamInterface<BadFile> {};

TEST_P(CliBadData, RefusedWithTheFileNamedAndNoOutputLeft) {
    const BadFile& b = GetParam();
    const auto folder = dir / "data";
    for (const char* suffix : {"", ".gz"}) std::filesystem::remove(folder / (std::string(b.name) + suffix));
    const auto path = folder / (std::string(b.name) + (b.gzip ? ".gz" : ""));
    if (b.gzip) {
        gzFile f = gzopen(path.c_str(), "wb");
        gzwrite(f, b.bytes.data(), unsigned(b.bytes.size()));
        gzclose(f);
    } else {
        std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(b.bytes.data()),
                                                    std::streamsize(b.bytes.size()));
    }
    const auto out = dir / "out-bad";
    const CliRun r = optlab_run(base("--epochs 1 --out '" + out.string() + "' --checkpoint '" +
                                     (dir / "bad.st").string() + "'"));
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_NE(r.err.find(path.string()), std::string::npos) << "the file is not named: " << r.err;
    EXPECT_NE(r.err.find(b.message), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(out)) << "an output folder was left behind";
    EXPECT_FALSE(std::filesystem::exists(dir / "bad.st")) << "a checkpoint was left behind";
}

std::vector<unsigned char> idx_header(unsigned char type, std::vector<std::uint32_t> dims, std::size_t payload) {
    std::vector<unsigned char> out = {0, 0, type, static_cast<unsigned char>(dims.size())};
    for (auto d : dims) {
        for (int i = 3; i >= 0; --i) out.push_back(static_cast<unsigned char>(d >> (8 * i)));
    }
    out.resize(out.size() + payload, 1);
    return out;
}

INSTANTIATE_TEST_SUITE_P(
    Catalogue, CliBadData,
    ::testing::Values(
        BadFile{"empty", "train-images-idx3-ubyte", {}, false, "the file is empty"},
        BadFile{"truncated_header", "train-images-idx3-ubyte", {0, 0, 8}, false, "truncated header"},
        BadFile{"rank_0", "train-images-idx3-ubyte", {0, 0, 8, 0, 0, 0, 0, 1}, false, "rank 0 (expected at least one dimension)"},
        BadFile{"rank_1_images", "train-images-idx3-ubyte", idx_header(0x08, {512}, 512), false,
                "rank 1 (expected images: a count and at least one more dimension)"},
        BadFile{"dimensions_truncated", "train-images-idx3-ubyte", [] { auto v = idx_header(0x08, {512}, 0); v[3] = 255; return v; }(),
                true, "of the 1020 bytes of 255 dimension sizes (truncated)"},
        BadFile{"bad_magic", "train-images-idx3-ubyte", {1, 0, 8, 3, 0, 0, 0, 1}, false, "magic starts 0x01 0x00"},
        BadFile{"unknown_type_code", "train-images-idx3-ubyte", idx_header(0x0A, {1}, 1), false, "unknown type code 0x0A"},
        BadFile{"zero_dimension", "train-images-idx3-ubyte", idx_header(0x08, {512, 0, 4}, 0), false, "dimension 1 is 0"},
        BadFile{"size_past_the_cap", "train-images-idx3-ubyte", idx_header(0x08, {0x7FFFFFFF, 0x7FFFFFFF, 4}, 0), false, "the cap"},
        BadFile{"data_truncated", "train-images-idx3-ubyte", idx_header(0x08, {512, 4, 4}, 512 * 16 - 1), false, "(truncated)"},
        BadFile{"trailing_bytes", "train-images-idx3-ubyte", idx_header(0x08, {512, 4, 4}, 512 * 16 + 1), true, "trailing bytes"},
        BadFile{"fewer_labels_than_images", "train-labels-idx1-ubyte", idx_header(0x08, {511}, 511), false, "has 512 images but"},
        BadFile{"label_out_of_range", "train-labels-idx1-ubyte", [] { auto v = idx_header(0x08, {512}, 512); v[8 + 7] = 10; return v; }(),
                false, "label 10 of sample 7 (expected 0..9)"},
        BadFile{"test_label_out_of_range", "t10k-labels-idx1-ubyte", [] { auto v = idx_header(0x08, {128}, 128); v[8] = 255; return v; }(),
                false, "label 255 of sample 0"}),
    [](const auto& info) { return std::string(info.param.case_name); });

// Training and test images of different shapes: both files named, with their sizes.
TEST_F(CliTrain, TrainAndTestImagesOfDifferentShapesNameBothFiles) {
    const auto folder = dir / "data";
    std::filesystem::remove(folder / "t10k-images-idx3-ubyte.gz");
    IdxArray images;
    images.dims = {128, 5, 5};
    images.bytes.assign(128 * 25, 7);
    write_idx(folder / "t10k-images-idx3-ubyte", images, false);
    const CliRun r = optlab_run(base("--epochs 1"));
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_NE(r.err.find((folder / "train-images-idx3-ubyte.gz").string() + " has 16 values per image"),
              std::string::npos) << r.err;
    EXPECT_NE(r.err.find((folder / "t10k-images-idx3-ubyte").string() + " has 25"), std::string::npos) << r.err;
}

TEST_F(CliTrain, BadCheckpointsAreRefusedByName) {
    const std::string ck = (dir / "good.st").string();
    ASSERT_EQ(optlab_run(base("--epochs 1 --checkpoint '" + ck + "'")).code, 0);
    std::ifstream in(ck, std::ios::binary);
    const std::vector<char> good((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto variant = [&](const std::string& name, std::vector<char> bytes) {
        const auto p = dir / name;
        std::ofstream(p, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
        return p.string();
    };
    std::vector<char> flipped = good, cut = good, zero = good, huge = good, trailing = good;
    flipped[flipped.size() - 9] ^= 0x01;
    cut.resize(cut.size() - 5);
    std::fill(zero.begin(), zero.begin() + 8, 0);
    huge[3] = 0x7F;  // a header length of about 2 GB
    trailing.push_back('x');
    for (auto [name, bytes, message] : {std::tuple{"flipped.st", flipped, "CRC-32"},
                                       std::tuple{"cut.st", cut, "(truncated)"},
                                       std::tuple{"zero.st", zero, "header length (bytes 0..8) is 0"},
                                       std::tuple{"huge.st", huge, "exceeds the limit"},
                                       std::tuple{"trailing.st", trailing, "(trailing bytes)"}}) {
        const std::string path = variant(name, bytes);
        const CliRun r = optlab_run(base("--epochs 2 --resume '" + path + "'"));
        EXPECT_EQ(r.code, 2) << name << ": " << r.err;
        EXPECT_NE(r.err.find(path), std::string::npos) << name << ": " << r.err;
        EXPECT_NE(r.err.find(message), std::string::npos) << name << ": " << r.err;
    }
    const CliRun dir_as_file = optlab_run(base("--epochs 2 --resume '" + dir.string() + "'"));
    EXPECT_EQ(dir_as_file.code, 2);
    EXPECT_NE(dir_as_file.err.find("is not a regular file"), std::string::npos) << dir_as_file.err;
}


// Headers that lie, each made from a real checkpoint's header: (file name, header, the message
// that must name the problem).
std::vector<std::tuple<std::string, std::string, std::string>> lying_headers(const std::string& header,
                                                                             std::size_t payload_size) {
    const auto parsed = nlohmann::ordered_json::parse(header);
    std::string duplicate = header;
    duplicate.insert(1, "\"__metadata__\":{},");
    std::string bad_utf8 = header;
    bad_utf8[bad_utf8.find("model/") + 1] = char(0xFF);
    auto overlapping = parsed;
    std::string second;
    for (auto it = overlapping.begin(); it != overlapping.end(); ++it) {
        if (it.key() == "__metadata__") continue;
        if (!second.empty() || it.value()["data_offsets"][0] != 0) {
            second = it.key();
            break;
        }
        second = "first";
    }
    auto& offsets = overlapping[second]["data_offsets"];
    offsets = {0, offsets[1].get<std::uint64_t>() - offsets[0].get<std::uint64_t>()};
    auto future = parsed;
    future["__metadata__"]["checkpoint/format_version"] = "99";
    // The first tensor of the header (by its offsets, which start at 0).
    std::string first;
    for (auto it = parsed.begin(); it != parsed.end(); ++it) {
        if (it.key() != "__metadata__" && it.value()["data_offsets"][0] == 0) first = it.key();
    }
    auto bad_dtype = parsed;
    bad_dtype[first]["dtype"] = "F17";
    auto gapped = parsed;
    gapped[first]["data_offsets"][0] = 4;  // 4 bytes nobody owns before the second tensor
    gapped[first]["shape"] = nlohmann::ordered_json::array();
    gapped[first]["data_offsets"][1] = 8;
    // Offsets that disagree with the shape, and the last tensor moved past the end of the data.
    auto mismatch = parsed;
    mismatch[first]["data_offsets"][1] = payload_size + 4;
    std::string last;
    std::uint64_t last_end = 0;
    for (auto it = parsed.begin(); it != parsed.end(); ++it) {
        if (it.key() == "__metadata__") continue;
        const auto end = it.value()["data_offsets"][1].get<std::uint64_t>();
        if (end > last_end) last_end = end, last = it.key();
    }
    auto beyond = parsed;
    beyond[last]["data_offsets"][0] = beyond[last]["data_offsets"][0].get<std::uint64_t>() + 4;
    beyond[last]["data_offsets"][1] = last_end + 4;
    auto overflow = parsed;
    overflow[first]["shape"] = {std::uint64_t(1) << 40, std::uint64_t(1) << 40};
    std::string not_json = header;
    not_json[not_json.find("\"__metadata__\"") + 14] = '{';  // the ':' after the key
    return {
        std::tuple{"duplicate.st", duplicate, std::string("header has the key '__metadata__' twice")},
        std::tuple{"utf8.st", bad_utf8, std::string("UTF-8")},
        std::tuple{"overlap.st", overlapping.dump(), std::string("overlap")},
        std::tuple{"future.st", future.dump(), std::string("format version 99")},
        std::tuple{"notjson.st", not_json, std::string("is not valid UTF-8 JSON")},
        std::tuple{"dtype.st", bad_dtype.dump(), std::string("has unknown dtype 'F17'")},
        std::tuple{"gapped.st", gapped.dump(), std::string("starts at data offset 4, expected 0 (gap)")},
        std::tuple{"mismatch.st", mismatch.dump(), std::string("its dtype and shape need")},
        std::tuple{"beyond.st", beyond.dump(), std::string("(gap)")},  // reported as the gap it opens
        std::tuple{"overflow.st", overflow.dump(), std::string("shape's byte size overflows 64 bits")}};
}

// Checkpoints whose header lies, from the same real checkpoint: each refused through --resume
// with the file named and the problem said.
TEST_F(CliTrain, CheckpointsWithBadHeadersAreRefusedByName) {
    const std::string ck = (dir / "good.st").string();
    ASSERT_EQ(optlab_run(base("--epochs 1 --checkpoint '" + ck + "'")).code, 0);
    std::ifstream in(ck, std::ios::binary);
    const std::string good((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(good[std::size_t(i)]);
    const std::string header = good.substr(8, n), payload = good.substr(8 + n);
    // The file with another header (its length prefix rewritten).
    auto with_header = [&](const std::string& name, const std::string& h) {
        std::string bytes(8, '\0');
        for (int i = 0; i < 8; ++i) bytes[std::size_t(i)] = char((h.size() >> (8 * i)) & 0xFF);
        bytes += h + payload;
        const auto p = dir / name;
        std::ofstream(p, std::ios::binary) << bytes;
        return p.string();
    };
    for (const auto& [name, h, message] : lying_headers(header, payload.size())) {
        const std::string path = with_header(name, h);
        const CliRun r = optlab_run(base("--epochs 2 --resume '" + path + "'"));
        EXPECT_EQ(r.code, 2) << name << ": " << r.err;
        EXPECT_NE(r.err.find(path), std::string::npos) << name << ": " << r.err;
        EXPECT_NE(r.err.find(message), std::string::npos) << name << ": " << r.err;
    }
    // A header length pointing past the end of the file.
    std::string past_end = good;
    const std::uint64_t too_long = good.size();
    for (int i = 0; i < 8; ++i) past_end[std::size_t(i)] = char((too_long >> (8 * i)) & 0xFF);
    const std::string past_end_path = (dir / "past-end.st").string();
    std::ofstream(past_end_path, std::ios::binary) << past_end;
    const CliRun pe = optlab_run(base("--epochs 2 --resume '" + past_end_path + "'"));
    EXPECT_EQ(pe.code, 2) << pe.err;
    EXPECT_NE(pe.err.find(past_end_path), std::string::npos) << pe.err;
    EXPECT_NE(pe.err.find("past the end"), std::string::npos) << pe.err;
    // Another optimizer's checkpoint for this run.
    const CliRun other = optlab_run(base("--optimizer sgd --epochs 2 --resume '" + ck + "'"));
    EXPECT_EQ(other.code, 2) << other.err;
    EXPECT_NE(other.err.find("--optimizer sgd differs from the checkpoint's adam"), std::string::npos) << other.err;
}

// Gzip damage, a decompression bomb, and paths that are not files: exit 2, the file named,
// nothing written.
TEST_F(CliTrain, DamagedGzipBombsAndNonFilesAreRefused) {
    const auto folder = dir / "data";
    const auto images = folder / "train-images-idx3-ubyte.gz";
    std::ifstream in(images, std::ios::binary);
    const std::vector<char> gz((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    in.close();
    auto write = [&](const std::vector<char>& bytes) {
        std::filesystem::remove_all(images);
        std::ofstream(images, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
    };
    auto expect_refused = [&](const std::string& what, const std::string& message) {
        const auto out = dir / "out-bad";
        const CliRun r = optlab_run(base("--epochs 1 --out '" + out.string() + "' --checkpoint '" +
                                         (dir / "bad.st").string() + "'"));
        EXPECT_EQ(r.code, 2) << what << ": " << r.err;
        EXPECT_NE(r.err.find(images.string()), std::string::npos) << what << ": the file is not named: " << r.err;
        EXPECT_NE(r.err.find(message), std::string::npos) << what << ": " << r.err;
        EXPECT_FALSE(std::filesystem::exists(out)) << what << ": an output folder was left behind";
        EXPECT_FALSE(std::filesystem::exists(dir / "bad.st")) << what << ": a checkpoint was left behind";
    };
    // The gzip trailer is CRC-32 then the length, little-endian: damage the CRC.
    std::vector<char> bad_crc = gz;
    bad_crc[bad_crc.size() - 8] ^= 0x5A;
    write(bad_crc);
    expect_refused("bad CRC", "corrupt gzip stream");
    std::vector<char> cut(gz.begin(), gz.begin() + std::ptrdiff_t(gz.size() / 2));
    write(cut);
    expect_refused("truncated gzip", "corrupt gzip stream near decompressed byte 16: unexpected end of file");
    // A bomb: a valid header for 512 images of 16 pixels, then 256 MiB of zeros (~250 KB
    // compressed). The reader stops one byte past what the header promises.
    {
        std::filesystem::remove_all(images);
        gzFile f = gzopen(images.c_str(), "wb9");
        std::vector<unsigned char> header = idx_header(0x08, {512, 4, 4}, 0);
        gzwrite(f, header.data(), unsigned(header.size()));
        const std::vector<unsigned char> zeros(std::size_t{1} << 20, 0);
        for (int i = 0; i < 256; ++i) gzwrite(f, zeros.data(), unsigned(zeros.size()));
        gzclose(f);
        ASSERT_LT(std::filesystem::file_size(images), 2u << 20);
    }
    expect_refused("gzip bomb", "trailing bytes after the 8192 data bytes");
    std::filesystem::remove_all(images);
    std::filesystem::create_directory(images);
    expect_refused("a directory", "is a directory, not an IDX file");
    std::filesystem::remove_all(images);
    ASSERT_EQ(::mkfifo(images.c_str(), 0600), 0);
    expect_refused("a FIFO", "is not a regular file (a FIFO, device or socket)");
}

TEST_F(CliTrain, AnUnreadableFileIsRefusedByName) {
    const auto images = dir / "data" / "train-images-idx3-ubyte.gz";
    std::filesystem::permissions(images, std::filesystem::perms::none);
    const CliRun r = optlab_run(base("--epochs 1"), as_unprivileged_user());
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_NE(r.err.find(images.string() + ": cannot open: Permission denied"), std::string::npos) << r.err;
}

TEST_F(CliTrain, AReadOnlyOrMissingOutputFolder) {
    // Read-only (for the user running it): refused before any training, with the folder named.
    const auto ro = dir / "read-only";
    std::filesystem::create_directories(ro);
    std::filesystem::permissions(ro, std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec |
                                         std::filesystem::perms::group_read | std::filesystem::perms::group_exec |
                                         std::filesystem::perms::others_read | std::filesystem::perms::others_exec);
    const CliRun out = optlab_run(base("--epochs 1 --out '" + (ro / "out").string() + "'"), as_unprivileged_user());
    EXPECT_EQ(out.code, 2) << out.err;
    EXPECT_NE(out.err.find((ro / "out").string() + ": cannot create the output directory"), std::string::npos)
        << out.err;
    const CliRun ck = optlab_run(base("--epochs 1 --checkpoint '" + (ro / "run.st").string() + "'"),
                                 as_unprivileged_user());
    EXPECT_EQ(ck.code, 2) << ck.err;
    EXPECT_NE(ck.err.find((ro / "run.st").string() + ": cannot write in " + ro.string() + ": Permission denied"),
              std::string::npos)
        << ck.err;
    EXPECT_EQ(ck.err.find("epoch 1"), std::string::npos) << "it trained before failing: " << ck.err;
    EXPECT_TRUE(std::filesystem::is_empty(ro));
    // A checkpoint in a folder that does not exist: refused the same way, before training.
    const CliRun missing = optlab_run(base("--epochs 1 --checkpoint '" + (dir / "nowhere" / "run.st").string() + "'"));
    EXPECT_EQ(missing.code, 2) << missing.err;
    EXPECT_NE(missing.err.find("No such file or directory"), std::string::npos) << missing.err;
    // A missing output folder is created, parents included (as mkdir -p).
    const CliRun created = optlab_run(base("--epochs 1 --out '" + (dir / "new" / "deeper" / "out").string() + "'"));
    EXPECT_EQ(created.code, 0) << created.err;
    EXPECT_TRUE(std::filesystem::exists(dir / "new" / "deeper" / "out" / "summary.json"));
}

// A full disk while a checkpoint is written, made with a file-size limit (prlimit, util-linux):
// the write fails with the file named and a non-zero exit, the previous checkpoint is intact
// and still resumes, and no temporary file survives.
TEST_F(CliTrain, DiskFullDuringACheckpointLosesNothing) {
    const std::string ck = (dir / "run.st").string();
    ASSERT_EQ(optlab_run(base("--epochs 1 --checkpoint '" + ck + "'")).code, 0);
    std::ifstream in(ck, std::ios::binary);
    const std::vector<char> before((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    in.close();
    ASSERT_GT(before.size(), 8192u);
    const CliRun full = optlab_run(base("--epochs 2 --resume '" + ck + "' --checkpoint '" + ck + "'"),
                                   "prlimit --fsize=4096 -- ");
    EXPECT_NE(full.code, 0) << full.err;
    EXPECT_NE(full.err.find(ck), std::string::npos) << full.err;
    EXPECT_NE(full.err.find("File too large"), std::string::npos) << full.err;
    std::ifstream again(ck, std::ios::binary);
    const std::vector<char> after((std::istreambuf_iterator<char>(again)), std::istreambuf_iterator<char>());
    EXPECT_TRUE(after == before) << "the previous checkpoint changed";
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos) << e.path() << " survived";
    }
    // The intact checkpoint resumes to exactly what an uninterrupted run ends with.
    const CliRun resumed = optlab_run(base("--epochs 2 --resume '" + ck + "' --checkpoint '" + ck + "'"));
    EXPECT_EQ(resumed.code, 0) << resumed.err;
    const std::string straight = (dir / "straight.st").string();
    ASSERT_EQ(optlab_run(base("--epochs 2 --checkpoint '" + straight + "'")).code, 0);
    const auto a = read_safetensors(straight), b = read_safetensors(ck);
    ASSERT_EQ(a.tensors.size(), b.tensors.size());
    for (std::size_t i = 0; i < a.tensors.size(); ++i) {
        EXPECT_TRUE(a.tensors[i].data == b.tensors[i].data) << a.tensors[i].name << " differs";
    }
}
}  // namespace
}  // namespace optlab
