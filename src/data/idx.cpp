// SPDX-License-Identifier: MIT
// IDX reading through zlib's gz* interface, which reads gzip and plain files alike and
// recognises gzip by its magic bytes.
#include "optlab/data/idx.hpp"

#include <zlib.h>

#include <bit>
#include <cstring>
#include <memory>

#include "optlab/core/error.hpp"

namespace optlab {

std::string_view to_string(IdxType t) {
    switch (t) {
        case IdxType::u8: return "u8";
        case IdxType::i8: return "i8";
        case IdxType::i16: return "i16";
        case IdxType::i32: return "i32";
        case IdxType::f32: return "f32";
        case IdxType::f64: return "f64";
    }
    return "?";
}

std::size_t element_size(IdxType t) {
    switch (t) {
        case IdxType::u8:
        case IdxType::i8: return 1;
        case IdxType::i16: return 2;
        case IdxType::i32:
        case IdxType::f32: return 4;
        case IdxType::f64: return 8;
    }
    return 1;
}

std::size_t IdxArray::count() const {
    std::size_t n = 1;
    for (auto d : dims) n *= d;
    return n;
}

namespace {

std::string hex2(unsigned v) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%02X", v);
    return buf;
}

struct GzCloser {
    void operator()(gzFile_s* f) const { gzclose(f); }
};

class Reader {
  public:
    Reader(const std::filesystem::path& path) : source_(path.string()) {
        std::error_code ec;
        const auto status = std::filesystem::status(path, ec);
        if (ec || !std::filesystem::exists(status)) fail("cannot open: no such file");
        if (std::filesystem::is_directory(status)) fail("is a directory, not an IDX file");
        if (!std::filesystem::is_regular_file(status)) {
            fail("is not a regular file (a FIFO, device or socket), not an IDX file");
        }
        gz_.reset(gzopen(source_.c_str(), "rb"));
        if (!gz_) fail(std::string("cannot open: ") + std::strerror(errno));
    }
    [[noreturn]] void fail(const std::string& what) const { throw IoError(source_ + ": " + what); }
    [[noreturn]] void fail_at(std::uint64_t offset, const std::string& what) const {
        fail("byte " + std::to_string(offset) + ": " + what);
    }
    // Reads up to n bytes; returns how many arrived. Stream errors (bad CRC, truncated gzip)
    // throw.
    std::size_t read(void* out, std::size_t n) {
        std::size_t done = 0;
        while (done < n) {
            const unsigned chunk = unsigned(std::min<std::size_t>(n - done, 1u << 30));
            const int got = gzread(gz_.get(), static_cast<char*>(out) + done, chunk);
            if (got < 0) stream_error();
            if (got == 0) break;
            done += std::size_t(got);
        }
        int err = Z_OK;
        gzerror(gz_.get(), &err);
        if (err != Z_OK && err != Z_BUF_ERROR) stream_error();
        if (done < n && err == Z_BUF_ERROR) stream_error();
        offset_ += done;
        return done;
    }
    void read_exact(void* out, std::size_t n, const std::string& what) {
        const std::uint64_t at = offset_;
        const std::size_t got = read(out, n);
        if (got != n) {
            fail_at(at, "file ends after " + std::to_string(got) + " of the " + std::to_string(n) +
                            " bytes of " + what + " (truncated)");
        }
    }
    std::uint64_t offset() const { return offset_; }

  private:
    [[noreturn]] void stream_error() {
        int err = Z_OK;
        const char* msg = gzerror(gz_.get(), &err);
        std::string why = msg && *msg ? msg : "read error";
        // zlib prefixes its message with the path, which fail() already names.
        if (why.rfind(source_ + ": ", 0) == 0) why.erase(0, source_.size() + 2);
        fail("corrupt gzip stream near decompressed byte " + std::to_string(offset_) + ": " + why);
    }
    std::string source_;
    std::unique_ptr<gzFile_s, GzCloser> gz_;
    std::uint64_t offset_ = 0;
};

template <class U>
U big_endian(const unsigned char* p) {
    U v = 0;
    for (std::size_t i = 0; i < sizeof(U); ++i) v = U((v << 8) | p[i]);
    return v;
}

}  // namespace

IdxArray read_idx(const std::filesystem::path& path, std::uint64_t max_bytes) {
    Reader in(path);
    unsigned char magic[4];
    const std::size_t got = in.read(magic, 4);
    if (got < 4) {
        in.fail_at(got, got == 0 ? "the file is empty (expected the IDX magic 00 00 TT DD)"
                                 : "file ends inside the 4-byte magic (truncated header)");
    }
    if (magic[0] != 0 || magic[1] != 0) {
        in.fail_at(0, "magic starts " + hex2(magic[0]) + " " + hex2(magic[1]) +
                          ", expected 0x00 0x00 (not an IDX file)");
    }
    IdxArray array;
    switch (magic[2]) {
        case 0x08: case 0x09: case 0x0B: case 0x0C: case 0x0D: case 0x0E:
            array.type = IdxType(magic[2]);
            break;
        default:
            in.fail_at(2, "unknown type code " + hex2(magic[2]) +
                              " (expected 0x08 u8, 0x09 i8, 0x0B i16, 0x0C i32, 0x0D f32 or 0x0E f64)");
    }
    const unsigned rank = magic[3];
    if (rank == 0) in.fail_at(3, "rank 0 (expected at least one dimension)");
    std::vector<unsigned char> header(4 * std::size_t(rank));
    in.read_exact(header.data(), header.size(), std::to_string(rank) + " dimension sizes");
    const std::size_t elem = element_size(array.type);
    std::uint64_t bytes = elem;
    for (unsigned d = 0; d < rank; ++d) {
        const std::uint32_t size = big_endian<std::uint32_t>(header.data() + 4 * d);
        if (size == 0) in.fail_at(4 + 4 * d, "dimension " + std::to_string(d) + " is 0 (expected > 0)");
        if (bytes > max_bytes / size) {
            in.fail_at(4 + 4 * d, "dimensions give more than " + std::to_string(max_bytes) +
                                      " bytes of data (the cap; dimension " + std::to_string(d) +
                                      " = " + std::to_string(size) + ")");
        }
        bytes *= size;
        array.dims.push_back(size);
    }
    const std::uint64_t data_at = in.offset();
    std::vector<unsigned char> raw(bytes);
    {
        const std::size_t n = in.read(raw.data(), raw.size());
        if (n != raw.size()) {
            in.fail_at(data_at + n, "file ends after " + std::to_string(n) + " of the " +
                                        std::to_string(bytes) + " data bytes the header promises (truncated)");
        }
    }
    unsigned char extra;
    if (in.read(&extra, 1) != 0) {
        in.fail_at(data_at + bytes, "trailing bytes after the " + std::to_string(bytes) +
                                        " data bytes the header promises");
    }
    const std::size_t count = std::size_t(bytes / elem);
    if (array.type == IdxType::u8) {
        array.bytes = std::move(raw);  // no second copy of a 47 MB training set
        return array;
    }
    array.values.resize(count);
    const unsigned char* p = raw.data();
    for (std::size_t i = 0; i < count; ++i, p += elem) {
        switch (array.type) {
            case IdxType::i8: array.values[i] = double(std::int8_t(p[0])); break;
            case IdxType::i16: array.values[i] = double(std::int16_t(big_endian<std::uint16_t>(p))); break;
            case IdxType::i32: array.values[i] = double(std::int32_t(big_endian<std::uint32_t>(p))); break;
            case IdxType::f32: array.values[i] = double(std::bit_cast<float>(big_endian<std::uint32_t>(p))); break;
            case IdxType::f64: array.values[i] = std::bit_cast<double>(big_endian<std::uint64_t>(p)); break;
            case IdxType::u8: break;
        }
    }
    return array;
}

void write_idx(const std::filesystem::path& path, const IdxArray& array, bool gzip) {
    std::vector<unsigned char> out = {0, 0, static_cast<unsigned char>(array.type),
                                      static_cast<unsigned char>(array.dims.size())};
    auto put = [&](std::uint64_t v, std::size_t n) {
        for (std::size_t i = n; i-- > 0;) out.push_back(static_cast<unsigned char>(v >> (8 * i)));
    };
    for (auto d : array.dims) put(d, 4);
    if (array.type == IdxType::u8) {
        out.insert(out.end(), array.bytes.begin(), array.bytes.end());
    } else {
        for (double v : array.values) {
            switch (array.type) {
                case IdxType::i8: put(std::uint8_t(std::int8_t(v)), 1); break;
                case IdxType::i16: put(std::uint16_t(std::int16_t(v)), 2); break;
                case IdxType::i32: put(std::uint32_t(std::int32_t(v)), 4); break;
                case IdxType::f32: put(std::bit_cast<std::uint32_t>(float(v)), 4); break;
                case IdxType::f64: put(std::bit_cast<std::uint64_t>(v), 8); break;
                case IdxType::u8: break;
            }
        }
    }
    gzFile f = gzopen(path.string().c_str(), gzip ? "wb9" : "wbT");  // T: plain, no gzip
    if (!f) throw IoError(path.string() + ": cannot create");
    const bool ok = gzwrite(f, out.data(), unsigned(out.size())) == int(out.size());
    if (gzclose(f) != Z_OK || !ok) throw IoError(path.string() + ": write failed");
}

}  // namespace optlab
