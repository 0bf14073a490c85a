// SPDX-License-Identifier: MIT
// safetensors reading and atomic writing; the checks are listed in safetensors.hpp.
#include "optlab/io/safetensors.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "optlab/core/error.hpp"

namespace optlab {

static_assert(std::endian::native == std::endian::little,
              "optlab stores tensors in the host's byte order, which must be little-endian");

namespace {

using json = nlohmann::json;

[[noreturn]] void fail(std::string_view source, const std::string& what) {
    throw IoError(std::string(source) + ": " + what);
}

std::string sys_error() { return std::strerror(errno); }

std::uint32_t crc_of(std::span<const std::byte> data) {
    uLong crc = crc32(0L, Z_NULL, 0);
    // zlib takes uInt lengths: feed large buffers in pieces.
    std::size_t done = 0;
    while (done < data.size()) {
        const std::size_t n = std::min<std::size_t>(data.size() - done, 1u << 30);
        crc = crc32(crc, reinterpret_cast<const Bytef*>(data.data() + done), uInt(n));
        done += n;
    }
    return std::uint32_t(crc);
}

std::string hex8(std::uint32_t v) {
    char buf[9];
    std::snprintf(buf, sizeof buf, "%08x", v);
    return buf;
}

// Parses the header, rejecting duplicate keys at any depth (nlohmann keeps the last silently).
json parse_header(std::string_view text, std::string_view source) {
    std::vector<std::set<std::string>> keys;
    std::string duplicate;
    auto cb = [&](int, json::parse_event_t event, json& parsed) {
        if (event == json::parse_event_t::object_start) {
            keys.emplace_back();
        } else if (event == json::parse_event_t::object_end) {
            keys.pop_back();
        } else if (event == json::parse_event_t::key && !keys.empty()) {
            const std::string k = parsed.get<std::string>();
            if (!keys.back().insert(k).second && duplicate.empty()) duplicate = k;
        }
        return true;
    };
    json header;
    try {
        header = json::parse(text.begin(), text.end(), cb);
    } catch (const json::exception& e) {
        fail(source, std::string("header (bytes 8..") + std::to_string(8 + text.size()) +
                         ") is not valid UTF-8 JSON: " + e.what());
    }
    if (!duplicate.empty()) fail(source, "header has the key '" + duplicate + "' twice");
    if (!header.is_object()) fail(source, "header is not a JSON object");
    return header;
}

std::uint64_t as_u64(const json& v, std::string_view source, const std::string& what) {
    if (!v.is_number_unsigned()) fail(source, what + " is not a non-negative integer");
    return v.get<std::uint64_t>();
}

}  // namespace

const SafeTensor* SafetensorsFile::find(std::string_view name) const {
    for (const auto& t : tensors) {
        if (t.name == name) return &t;
    }
    return nullptr;
}

std::size_t dtype_size(std::string_view dtype) {
    static const std::map<std::string, std::size_t, std::less<>> sizes = {
        {"BOOL", 1}, {"U8", 1},  {"I8", 1},  {"I16", 2},  {"U16", 2},  {"F16", 2}, {"BF16", 2},
        {"I32", 4},  {"U32", 4}, {"F32", 4}, {"I64", 8}, {"U64", 8}, {"F64", 8}};
    auto it = sizes.find(dtype);
    if (it == sizes.end()) throw IoError("unknown dtype '" + std::string(dtype) + "'");
    return it->second;
}

namespace {

// One tensor's header entry, checked: its dtype known, its shape's byte size within 64 bits,
// its offsets in order and as long as dtype and shape need.
struct Entry {
    std::string name, dtype;
    std::vector<std::uint64_t> shape;
    std::uint64_t begin, end;
};

Entry parse_entry(const std::string& key, const json& value, std::string_view source) {
    const std::string what = "tensor '" + key + "'";
    if (!value.is_object()) fail(source, what + " is not an object");
    if (!value.contains("dtype") || !value["dtype"].is_string()) fail(source, what + " has no string dtype");
    if (!value.contains("shape") || !value["shape"].is_array()) fail(source, what + " has no shape array");
    if (!value.contains("data_offsets") || !value["data_offsets"].is_array() ||
        value["data_offsets"].size() != 2) {
        fail(source, what + " has no data_offsets [begin, end]");
    }
    Entry e{key, value["dtype"].get<std::string>(), {}, 0, 0};
    std::size_t elem = 0;
    try {
        elem = dtype_size(e.dtype);
    } catch (const IoError&) {
        fail(source, what + " has unknown dtype '" + e.dtype + "' (expected F32, F64, I64, U8, ...)");
    }
    std::uint64_t count = 1;
    bool overflow = false;
    for (const auto& d : value["shape"]) {
        const std::uint64_t dim = as_u64(d, source, what + " shape entry");
        e.shape.push_back(dim);
        if (dim != 0 && count > UINT64_MAX / dim) overflow = true;
        if (!overflow) count *= dim;
    }
    if (overflow || count > UINT64_MAX / elem) fail(source, what + " shape's byte size overflows 64 bits");
    e.begin = as_u64(value["data_offsets"][0], source, what + " data_offsets[0]");
    e.end = as_u64(value["data_offsets"][1], source, what + " data_offsets[1]");
    if (e.end < e.begin) {
        fail(source, what + " data_offsets are reversed (" + std::to_string(e.begin) + " > " +
                         std::to_string(e.end) + ")");
    }
    if (e.end - e.begin != count * elem) {
        fail(source, what + " occupies " + std::to_string(e.end - e.begin) +
                         " bytes, its dtype and shape need " + std::to_string(count * elem));
    }
    return e;
}

// The tensors tile the data section: no gap, no overlap, nothing after the last.
void check_tiling(std::vector<Entry>& entries, std::uint64_t header_length, std::size_t file_size,
                  std::size_t data_size, std::string_view source) {
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.begin < b.begin; });
    std::uint64_t expected = 0;
    for (const auto& e : entries) {
        if (e.begin != expected) {
            fail(source, "tensor '" + e.name + "' starts at data offset " + std::to_string(e.begin) +
                             ", expected " + std::to_string(expected) +
                             (e.begin < expected ? " (overlap)" : " (gap)"));
        }
        expected = e.end;
    }
    if (expected != data_size) {
        fail(source, "the tensors end at byte " + std::to_string(8 + header_length + expected) +
                         " but the file has " + std::to_string(file_size) + " bytes" +
                         (expected < data_size ? " (trailing bytes)" : " (truncated)"));
    }
}

// The header's length field (bytes 0..8), checked against the limit and the file.
std::uint64_t header_length(std::span<const std::byte> bytes, std::string_view source) {
    if (bytes.size() < 8) {
        fail(source, "file is " + std::to_string(bytes.size()) + " bytes, shorter than the 8-byte header length");
    }
    std::uint64_t n = 0;
    std::memcpy(&n, bytes.data(), 8);
    if (n == 0) fail(source, "header length (bytes 0..8) is 0");
    if (n > kSafetensorsMaxHeader) {
        fail(source, "header length " + std::to_string(n) + " exceeds the limit of " +
                         std::to_string(kSafetensorsMaxHeader) + " bytes");
    }
    if (n > bytes.size() - 8) {
        fail(source, "header length " + std::to_string(n) + " runs past the end of the file (" +
                         std::to_string(bytes.size()) + " bytes)");
    }
    return n;
}

}  // namespace

SafetensorsFile parse_safetensors(std::span<const std::byte> bytes, std::string_view source) {
    const std::uint64_t n = header_length(bytes, source);
    const json header = parse_header(std::string_view(reinterpret_cast<const char*>(bytes.data() + 8), n), source);
    const std::span<const std::byte> data = bytes.subspan(8 + n);
    SafetensorsFile file;
    std::vector<Entry> entries;
    for (const auto& [key, value] : header.items()) {
        if (key != "__metadata__") {
            entries.push_back(parse_entry(key, value, source));
            continue;
        }
        if (!value.is_object()) fail(source, "__metadata__ is not an object");
        for (const auto& [mk, mv] : value.items()) {
            if (!mv.is_string()) fail(source, "__metadata__ value '" + mk + "' is not a string");
            file.metadata[mk] = mv.get<std::string>();
        }
    }
    check_tiling(entries, n, bytes.size(), data.size(), source);
    if (auto it = file.metadata.find("crc32"); it != file.metadata.end()) {
        const std::string actual = hex8(crc_of(data));
        if (it->second != actual) {
            fail(source, "CRC-32 of the data is " + actual + ", the header says " + it->second +
                             " (the file is corrupt)");
        }
    }
    for (auto& e : entries) {
        SafeTensor t{std::move(e.name), std::move(e.dtype), std::move(e.shape), {}};
        t.data.assign(data.begin() + e.begin, data.begin() + e.end);
        file.tensors.push_back(std::move(t));
    }
    return file;
}

SafetensorsFile read_safetensors(const std::filesystem::path& path, std::uint64_t max_bytes) {
    const std::string source = path.string();
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (ec || !std::filesystem::exists(status)) fail(source, "cannot open: no such file");
    if (!std::filesystem::is_regular_file(status)) fail(source, "is not a regular file");
    const std::uint64_t size = std::filesystem::file_size(path, ec);
    if (ec) fail(source, "cannot read its size: " + ec.message());
    if (size > max_bytes) {
        fail(source, "is " + std::to_string(size) + " bytes, over the limit of " +
                         std::to_string(max_bytes));
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) fail(source, "cannot open: " + sys_error());
    std::vector<std::byte> bytes(size);
    in.read(reinterpret_cast<char*>(bytes.data()), std::streamsize(size));
    if (std::uint64_t(in.gcount()) != size) fail(source, "read fewer bytes than its size");
    return parse_safetensors(bytes, source);
}

std::vector<std::byte> serialize_safetensors(const SafetensorsFile& file, bool with_crc) {
    json header = json::object();
    std::set<std::string> names;
    std::uint64_t offset = 0;
    std::vector<std::byte> data;
    for (const auto& t : file.tensors) {
        if (t.name == "__metadata__" || !names.insert(t.name).second) {
            throw InvalidArgument("safetensors: tensor name '" + t.name + "' is reserved or repeated");
        }
        std::uint64_t count = 1;
        for (auto d : t.shape) count *= d;
        if (count * dtype_size(t.dtype) != t.data.size()) {
            throw InvalidArgument("safetensors: tensor '" + t.name + "' has " +
                                  std::to_string(t.data.size()) + " bytes, its shape needs " +
                                  std::to_string(count * dtype_size(t.dtype)));
        }
        header[t.name] = {{"dtype", t.dtype},
                          {"shape", t.shape},
                          {"data_offsets", {offset, offset + t.data.size()}}};
        offset += t.data.size();
        data.insert(data.end(), t.data.begin(), t.data.end());
    }
    json meta = json::object();
    for (const auto& [k, v] : file.metadata) meta[k] = v;
    if (with_crc) meta["crc32"] = hex8(crc_of(data));
    if (!meta.empty()) header["__metadata__"] = meta;
    std::string text = header.dump();
    text.append((8 - text.size() % 8) % 8, ' ');  // the reference writer pads to 8 bytes
    std::vector<std::byte> out(8 + text.size() + data.size());
    const std::uint64_t n = text.size();
    std::memcpy(out.data(), &n, 8);
    std::memcpy(out.data() + 8, text.data(), text.size());
    std::copy(data.begin(), data.end(), out.begin() + 8 + std::ptrdiff_t(text.size()));
    return out;
}

void write_safetensors(const std::filesystem::path& path, const SafetensorsFile& file) {
    write_file_atomic(path, serialize_safetensors(file));
}

namespace {
// The temporary file write_file_atomic writes first; remove_stale_temporaries knows the prefix.
std::filesystem::path temporary_for(const std::filesystem::path& path) {
    return path.string() + ".tmp." + std::to_string(static_cast<long>(::getpid()));
}
}  // namespace

void check_can_write_atomic(const std::filesystem::path& path) {
    const std::filesystem::path tmp = temporary_for(path);
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        const std::string reason = sys_error();
        std::filesystem::path folder = path.parent_path();
        if (folder.empty()) folder = ".";
        throw IoError(path.string() + ": cannot write in " + folder.string() + ": " + reason +
                      " (expected an existing, writable folder)");
    }
    ::close(fd);
    ::unlink(tmp.c_str());
}

void write_file_atomic(const std::filesystem::path& path, std::span<const std::byte> bytes) {
    const std::string target = path.string();
    std::filesystem::path dir = path.parent_path();
    if (dir.empty()) dir = ".";
    const std::filesystem::path tmp = temporary_for(path);
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        fail(target, "cannot create temporary file " + tmp.string() + ": " + sys_error());
    }
    auto abandon = [&](const std::string& what) {
        const std::string reason = sys_error();
        ::close(fd);
        ::unlink(tmp.c_str());
        fail(target, what + ": " + reason + " (the previous file, if any, is unchanged)");
    };
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t w = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (w < 0) {
            if (errno == EINTR) continue;
            abandon("write failed after " + std::to_string(done) + " bytes");
        }
        done += std::size_t(w);
    }
    if (::fsync(fd) != 0) abandon("fsync failed");
    if (::close(fd) != 0) {
        const std::string reason = sys_error();
        ::unlink(tmp.c_str());
        fail(target, "close failed: " + reason);
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        const std::string reason = sys_error();
        ::unlink(tmp.c_str());
        fail(target, "rename from " + tmp.string() + " failed: " + reason);
    }
    // Without this the rename is atomic but not durable across a power cut.
    const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
}

// ---- AtomicFileWriter ----------------------------------------------------------------------

namespace {
constexpr std::size_t kWriterBuffer = 64 * 1024;

void fsync_folder_of(const std::filesystem::path& path) {
    std::filesystem::path dir = path.parent_path();
    if (dir.empty()) dir = ".";
    const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
}
}  // namespace

AtomicFileWriter::AtomicFileWriter(const std::filesystem::path& path) : path_(path), tmp_(temporary_for(path)) {
    fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) fail(path_.string(), "cannot create temporary file " + tmp_.string() + ": " + sys_error());
    buffer_.reserve(kWriterBuffer);
}

AtomicFileWriter::AtomicFileWriter(AtomicFileWriter&& other) noexcept
    : path_(std::move(other.path_)), tmp_(std::move(other.tmp_)), fd_(other.fd_), buffer_(std::move(other.buffer_)) {
    other.fd_ = -1;
}

AtomicFileWriter& AtomicFileWriter::operator=(AtomicFileWriter&& other) noexcept {
    if (this != &other) {
        abandon();
        path_ = std::move(other.path_);
        tmp_ = std::move(other.tmp_);
        buffer_ = std::move(other.buffer_);
        fd_ = other.fd_;
        other.fd_ = -1;
    }
    return *this;
}

AtomicFileWriter::~AtomicFileWriter() { abandon(); }

void AtomicFileWriter::abandon() noexcept {
    if (fd_ < 0) return;
    ::close(fd_);
    ::unlink(tmp_.c_str());
    fd_ = -1;
}

void AtomicFileWriter::write_through(std::string_view bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t w = ::write(fd_, bytes.data() + done, bytes.size() - done);
        if (w < 0) {
            if (errno == EINTR) continue;
            const std::string reason = sys_error();
            abandon();
            fail(path_.string(), "write failed: " + reason + " (the previous file, if any, is unchanged)");
        }
        done += std::size_t(w);
    }
}

void AtomicFileWriter::flush_buffer() {
    write_through(buffer_);
    buffer_.clear();
}

void AtomicFileWriter::write(std::string_view bytes) {
    if (fd_ < 0) fail(path_.string(), "write after the file was committed or abandoned");
    if (buffer_.size() + bytes.size() > kWriterBuffer) flush_buffer();
    if (bytes.size() >= kWriterBuffer) {
        write_through(bytes);  // a large piece goes straight to the file
    } else {
        buffer_.append(bytes);
    }
}

void AtomicFileWriter::commit() {
    if (fd_ < 0) fail(path_.string(), "commit after the file was committed or abandoned");
    flush_buffer();
    if (::fsync(fd_) != 0) {
        const std::string reason = sys_error();
        abandon();
        fail(path_.string(), "fsync failed: " + reason + " (the previous file, if any, is unchanged)");
    }
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) {
        const std::string reason = sys_error();
        ::unlink(tmp_.c_str());
        fail(path_.string(), "close failed: " + reason);
    }
    if (::rename(tmp_.c_str(), path_.c_str()) != 0) {
        const std::string reason = sys_error();
        ::unlink(tmp_.c_str());
        fail(path_.string(), "rename from " + tmp_.string() + " failed: " + reason);
    }
    fsync_folder_of(path_);
}

void remove_stale_temporaries(const std::filesystem::path& target) {
    std::filesystem::path dir = target.parent_path();
    if (dir.empty()) dir = ".";
    const std::string prefix = target.filename().string() + ".tmp.";
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        const std::string name = entry.path().filename().string();
        if (name.starts_with(prefix) && entry.is_regular_file(ec)) {
            std::filesystem::remove(entry.path(), ec);
        }
    }
}

}  // namespace optlab
