// SPDX-License-Identifier: MIT
// The safetensors format (an 8-byte little-endian header length N, N bytes of JSON, then raw
// little-endian row-major tensors), read with every check of the reference parser and a few
// more, and written atomically.
//
// Reader checks, each an IoError naming the file, the byte offset or tensor and what was
// expected: file shorter than 8 bytes; N = 0 or over 100 MB; 8 + N past the end; header not
// UTF-8 or not JSON of the right shape; duplicate keys (the format disallows them; the Rust
// parser does not check); an unknown dtype; a shape whose byte size overflows; offsets that are
// reversed, overlap, leave gaps or do not match dtype × shape; trailing or missing bytes; and,
// when the metadata carries "crc32", a CRC-32 of the data that does not match.
//
// Writer: a temporary file in the same directory, fsync, rename over the target, fsync of the
// directory, so the previous file survives any failure (a full disk, a kill) intact.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace optlab {

inline constexpr std::uint64_t kSafetensorsMaxHeader = 100'000'000;

struct SafeTensor {
    std::string name;
    std::string dtype;                 // "F32", "F64", "I64", "U8", ...
    std::vector<std::uint64_t> shape;  // row-major
    std::vector<std::byte> data;       // little-endian
};

struct SafetensorsFile {
    std::map<std::string, std::string> metadata;  // "__metadata__": strings only
    std::vector<SafeTensor> tensors;

    const SafeTensor* find(std::string_view name) const;
};

/// Bytes per element of a safetensors dtype; throws IoError for an unknown one.
std::size_t dtype_size(std::string_view dtype);

/// Parses a whole file's bytes; `source` names it in errors.
SafetensorsFile parse_safetensors(std::span<const std::byte> bytes, std::string_view source);
/// Reads and parses `path` (a regular file of at most `max_bytes`).
SafetensorsFile read_safetensors(const std::filesystem::path& path,
                                 std::uint64_t max_bytes = std::uint64_t{1} << 36);
/// Serialises `file`; adds metadata "crc32" (of the data section) unless `with_crc` is false.
std::vector<std::byte> serialize_safetensors(const SafetensorsFile& file, bool with_crc = true);
/// Writes `file` to `path` atomically (see above).
void write_safetensors(const std::filesystem::path& path, const SafetensorsFile& file);
/// Writes bytes to `path` atomically: temp file, fsync, rename, directory fsync.
void write_file_atomic(const std::filesystem::path& path, std::span<const std::byte> bytes);
/// A file written piece by piece and put in place as write_file_atomic puts one: the pieces go
/// to a temporary file beside `path`; commit() syncs it and renames it over `path`. Until
/// then `path` is untouched, and a writer destroyed uncommitted removes its temporary file (a
/// killed process leaves one, which remove_stale_temporaries(path) clears). For records too
/// long to hold in memory until the end (a run's per-iteration log).
class AtomicFileWriter {
  public:
    AtomicFileWriter() = default;
    explicit AtomicFileWriter(const std::filesystem::path& path);  // throws IoError
    AtomicFileWriter(AtomicFileWriter&& other) noexcept;
    AtomicFileWriter& operator=(AtomicFileWriter&& other) noexcept;
    AtomicFileWriter(const AtomicFileWriter&) = delete;
    AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;
    ~AtomicFileWriter();

    bool is_open() const { return fd_ >= 0; }
    /// Buffered; throws IoError naming the file when the disk refuses the bytes.
    void write(std::string_view bytes);
    /// Flushes, syncs and renames; the writer is closed afterwards.
    void commit();

  private:
    void flush_buffer();
    void write_through(std::string_view bytes);
    void abandon() noexcept;  // closes and removes the temporary file
    std::filesystem::path path_, tmp_;
    int fd_ = -1;
    std::string buffer_;  // reserved once: appending allocates nothing
};

/// Removes temporary files left in `dir` by an interrupted write_file_atomic for `stem`.
void remove_stale_temporaries(const std::filesystem::path& target);
/// Throws IoError, naming `path` and its folder, unless write_file_atomic(path, ...) could
/// create its temporary file now (the folder exists and is writable): lets a long run fail at
/// its start rather than at its first save.
void check_can_write_atomic(const std::filesystem::path& path);

}  // namespace optlab
