// SPDX-License-Identifier: MIT
// The IDX format of MNIST and Fashion-MNIST (LeCun): magic bytes 00 00 TT DD — TT the element
// type (08 u8, 09 i8, 0B i16, 0C i32, 0D f32, 0E f64), DD the number of dimensions — then DD
// big-endian u32 sizes and the row-major, big-endian data. A gzip-compressed file is read
// transparently through zlib, recognised by its magic bytes 1F 8B, not by its name.
//
// The reader refuses, naming the file, the byte offset (in the decompressed stream), what was
// expected and what was found: a file that is not a regular file; a short header; non-zero
// bytes 0-1; an unknown type code (0A included); rank 0; a zero dimension; a size product that
// overflows or exceeds the cap (checked before anything is allocated); a truncated payload or
// trailing bytes; a corrupt gzip stream (bad CRC, truncation). It never inflates more than the
// header promises plus one byte, so a gzip bomb costs nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace optlab {

enum class IdxType : std::uint8_t { u8 = 0x08, i8 = 0x09, i16 = 0x0B, i32 = 0x0C, f32 = 0x0D, f64 = 0x0E };

std::string_view to_string(IdxType t);
std::size_t element_size(IdxType t);

struct IdxArray {
    IdxType type = IdxType::u8;
    std::vector<std::uint32_t> dims;
    std::vector<double> values;        // every element, converted exactly to double
    std::vector<std::uint8_t> bytes;   // the raw elements when type is u8 (values is then empty)

    std::size_t count() const;         // product of dims
};

inline constexpr std::uint64_t kIdxDefaultMaxBytes = std::uint64_t{1} << 30;  // 1 GiB of payload

/// Reads an IDX file (plain or gzip). Throws IoError as described above.
IdxArray read_idx(const std::filesystem::path& path, std::uint64_t max_bytes = kIdxDefaultMaxBytes);
/// Writes an IDX file (for tests and tools); gzip-compressed when `gzip`.
void write_idx(const std::filesystem::path& path, const IdxArray& array, bool gzip = false);

}  // namespace optlab
