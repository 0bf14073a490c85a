// SPDX-License-Identifier: MIT
// The IDX reader's refusals (RELIABILITY.md §4), each with the file, offset, expected and found.
#include "optlab/data/idx.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <fstream>

#include "../real_data.hpp"
#include "optlab/core/error.hpp"
#include "optlab/data/dataset.hpp"

namespace optlab {
namespace {

class Idx : public ::testing::Test {
  protected:
    std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) /
                                ("optlab_idx_" + std::to_string(::getpid()));
    void SetUp() override {
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
    }
    void TearDown() override { std::filesystem::remove_all(dir); }

    std::filesystem::path raw(const std::string& name, const std::vector<unsigned char>& bytes,
                              bool gzip = false) {
        const auto path = dir / name;
        if (gzip) {
            gzFile f = gzopen(path.c_str(), "wb");
            gzwrite(f, bytes.data(), unsigned(bytes.size()));
            gzclose(f);
        } else {
            std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                                        std::streamsize(bytes.size()));
        }
        return path;
    }
    static std::vector<unsigned char> header(unsigned char type, std::vector<std::uint32_t> dims) {
        std::vector<unsigned char> out = {0, 0, type, static_cast<unsigned char>(dims.size())};
        for (auto d : dims) {
            for (int i = 3; i >= 0; --i) out.push_back(static_cast<unsigned char>(d >> (8 * i)));
        }
        return out;
    }
    static std::vector<unsigned char> with(std::vector<unsigned char> h, std::size_t payload) {
        h.resize(h.size() + payload, 7);
        return h;
    }
    std::string error(const std::filesystem::path& path) {
        try {
            read_idx(path);
        } catch (const IoError& e) {
            const std::string m = e.what();
            EXPECT_EQ(m.rfind(path.string(), 0), 0u) << "does not name the file: " << m;
            return m;
        }
        return "";
    }
    void expect(const std::filesystem::path& path, const std::string& part) {
        const std::string m = error(path);
        EXPECT_NE(m.find(part), std::string::npos) << "expected '" << part << "' in: " << m;
    }
};

TEST_F(Idx, ReadsEveryTypeBigEndianPlainAndGzip) {
    for (IdxType t : {IdxType::u8, IdxType::i8, IdxType::i16, IdxType::i32, IdxType::f32, IdxType::f64}) {
        IdxArray a;
        a.type = t;
        a.dims = {2, 3, 1};
        if (t == IdxType::u8) {
            a.bytes = {0, 1, 2, 250, 255, 9};
        } else {
            a.values = {-3, 0, 1, 100, -128, 77};
            if (t == IdxType::f32 || t == IdxType::f64) a.values[1] = 0.5;
        }
        for (bool gz : {false, true}) {
            const auto path = dir / ("t" + std::to_string(int(t)) + (gz ? "z" : ""));
            write_idx(path, a, gz);
            const IdxArray b = read_idx(path);
            EXPECT_EQ(b.type, t);
            EXPECT_EQ(b.dims, a.dims);
            EXPECT_EQ(b.bytes, a.bytes);
            EXPECT_EQ(b.values, a.values);
        }
    }
}

TEST_F(Idx, GzipIsRecognisedByMagicNotByName) {
    IdxArray a;
    a.dims = {4};
    a.bytes = {1, 2, 3, 4};
    write_idx(dir / "plain.gz", a, false);     // a plain file named .gz
    write_idx(dir / "packed.idx", a, true);    // a gzip file named otherwise
    EXPECT_EQ(read_idx(dir / "plain.gz").bytes, a.bytes);
    EXPECT_EQ(read_idx(dir / "packed.idx").bytes, a.bytes);
}

TEST_F(Idx, RefusesMalformedHeaders) {
    expect(raw("empty", {}), "the file is empty");
    expect(raw("short", {0, 0, 8}), "truncated header");
    expect(raw("magic", {1, 2, 8, 1, 0, 0, 0, 1, 5}), "byte 0: magic starts 0x01 0x02, expected 0x00 0x00");
    expect(raw("type0a", with(header(0x0A, {1}), 1)), "byte 2: unknown type code 0x0A");
    expect(raw("type_ff", with(header(0xFF, {1}), 1)), "unknown type code 0xFF");
    expect(raw("rank0", {0, 0, 8, 0}), "byte 3: rank 0");
    expect(raw("rank255", {0, 0, 8, 255, 0, 0, 0, 1}), "of 255 dimension sizes (truncated)");
    expect(raw("zero_dim", with(header(0x08, {3, 0, 2}), 0)), "byte 8: dimension 1 is 0");
}

TEST_F(Idx, RefusesSizesOverTheCapBeforeAllocating) {
    expect(raw("huge", header(0x08, {0x7FFFFFFF, 0x7FFFFFFF, 0x7FFFFFFF})), "(the cap;");
    expect(raw("overflow", header(0x0E, {0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF})), "(the cap;");
    try {
        read_idx(raw("capped", with(header(0x08, {100}), 100)), 50);
        FAIL();
    } catch (const IoError& e) {
        EXPECT_NE(std::string(e.what()).find("more than 50 bytes"), std::string::npos) << e.what();
    }
}

TEST_F(Idx, RefusesTruncationAndTrailingBytes) {
    expect(raw("trunc", with(header(0x08, {10, 2}), 19)), "byte 31: file ends after 19 of the 20 data bytes");
    expect(raw("trailing", with(header(0x08, {10, 2}), 21)), "byte 32: trailing bytes");
    expect(raw("trunc.gz", with(header(0x08, {10, 2}), 19), true), "truncated");
    expect(raw("trailing.gz", with(header(0x08, {10, 2}), 21), true), "trailing bytes");
}

TEST_F(Idx, RefusesCorruptGzipStreams) {
    const auto good = raw("good.gz", with(header(0x08, {1000}), 1000), true);
    std::vector<char> bytes((std::istreambuf_iterator<char>(*std::make_unique<std::ifstream>(good, std::ios::binary))),
                            std::istreambuf_iterator<char>());
    auto crc = bytes;
    crc[crc.size() - 6] ^= 0x55;  // inside the CRC-32 of the trailer
    std::ofstream(dir / "crc.gz", std::ios::binary).write(crc.data(), std::streamsize(crc.size()));
    expect(dir / "crc.gz", "corrupt gzip stream");
    auto cut = bytes;
    cut.resize(cut.size() / 2);
    std::ofstream(dir / "cut.gz", std::ios::binary).write(cut.data(), std::streamsize(cut.size()));
    const std::string m = error(dir / "cut.gz");
    EXPECT_TRUE(m.find("corrupt gzip") != std::string::npos || m.find("truncated") != std::string::npos) << m;
}

TEST_F(Idx, AGzipBombCostsOnlyWhatTheHeaderPromises) {
    // 200 MB of zeros after a header promising 16 bytes: the reader stops after 17.
    std::vector<unsigned char> bomb = header(0x08, {16});
    gzFile f = gzopen((dir / "bomb.gz").c_str(), "wb9");
    gzwrite(f, bomb.data(), unsigned(bomb.size()));
    std::vector<unsigned char> zeros(1 << 20, 0);
    for (int i = 0; i < 200; ++i) gzwrite(f, zeros.data(), unsigned(zeros.size()));
    gzclose(f);
    expect(dir / "bomb.gz", "trailing bytes");
}

TEST_F(Idx, RefusesWhatIsNotARegularFile) {
    expect(dir, "is a directory");
    expect(dir / "missing", "no such file");
    const auto fifo = dir / "fifo";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    expect(fifo, "not a regular file");
    EXPECT_THROW(read_idx("/dev/zero"), IoError);
}

TEST_F(Idx, DatasetChecksCountsLabelsAndTypes) {
    IdxArray images, labels;
    images.dims = {3, 2, 2};
    images.bytes = std::vector<std::uint8_t>(12, 255);
    labels.dims = {3};
    labels.bytes = {0, 9, 4};
    write_idx(dir / "img", images);
    write_idx(dir / "lab", labels);
    const Dataset d = load_idx_pair(dir / "img", dir / "lab");
    EXPECT_EQ(d.count, 3u);
    EXPECT_EQ(d.features, 4u);
    EXPECT_EQ(d.pixels, images.bytes);
    // A batch scales each pixel p to p / 255.
    std::vector<float> x(8);
    std::vector<std::uint8_t> y(2);
    gather_batch(d, {2, 0, 1}, 0, 2, x.data(), y.data());
    EXPECT_EQ(x, std::vector<float>(8, 1.0f));
    EXPECT_EQ(y, (std::vector<std::uint8_t>{4, 0}));
    labels.bytes = {0, 10, 4};
    write_idx(dir / "lab10", labels);
    try {
        load_idx_pair(dir / "img", dir / "lab10");
        FAIL();
    } catch (const IoError& e) {
        EXPECT_NE(std::string(e.what()).find("label 10 of sample 1 (expected 0..9)"), std::string::npos) << e.what();
    }
    labels.bytes = {0, 1};
    labels.dims = {2};
    write_idx(dir / "lab2", labels);
    try {
        load_idx_pair(dir / "img", dir / "lab2");
        FAIL();
    } catch (const IoError& e) {
        EXPECT_NE(std::string(e.what()).find("has 3 images but"), std::string::npos) << e.what();
    }
    EXPECT_THROW(load_idx_pair(dir / "lab", dir / "lab"), IoError);  // rank-1 "images"
    EXPECT_THROW(load_mnist_folder(dir), IoError);                   // the four names are missing
}

TEST(FashionMnist, TheDebianPackageHasTheExpectedShape) {
    OPTLAB_SKIP_WITHOUT(kFashionMnistDir);
    const TrainTest d = load_named_dataset("fashion-mnist");
    EXPECT_EQ(d.train.count, 60000u);
    EXPECT_EQ(d.test.count, 10000u);
    EXPECT_EQ(d.train.features, 784u);
    std::vector<int> per_class(10, 0);
    for (auto l : d.train.labels) ++per_class[l];
    for (int c : per_class) EXPECT_EQ(c, 6000);
}

}  // namespace
}  // namespace optlab
