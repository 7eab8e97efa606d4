// lowp/io/file.hpp: the ground floor of the file layer. A file's bytes mapped read-only (mmap where
// the system has it, else read into memory), a bounds-checked little-endian cursor over untrusted
// bytes, overflow-checked size arithmetic, and the error every reader throws: a lowp::error naming
// the file, the byte offset and what was wrong.
//
// Every reader of lowp/io takes its input as untrusted: each offset, count, size and string length
// is checked against the bytes that are really there before it is used, with arithmetic that cannot
// wrap, so a malformed or hostile file ends in lowp::error, never in a read out of bounds, a crash
// or an allocation the file merely asked for.
#pragma once
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "lowp/core/error.hpp"

#if __has_include(<sys/mman.h>) && __has_include(<fcntl.h>) && __has_include(<unistd.h>)
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#define LOWP_IO_HAVE_MMAP 1
#else
#define LOWP_IO_HAVE_MMAP 0
#endif

namespace lowp::io {

static_assert(std::endian::native == std::endian::little || std::endian::native == std::endian::big,
              "lowp::io: mixed-endian hosts are not supported");

/// The error of a malformed file: "lowp: <what> '<file>', byte <offset>: <message>".
inline error file_error(std::string_view kind, std::string_view file, std::uint64_t offset, std::string_view message) {
  return error(std::string(kind) + " '" + std::string(file) + "', byte " + std::to_string(offset) + ": " +
               std::string(message));
}

namespace detail {

/// a + b, or nullopt-like failure through the flag: sizes from a file never wrap.
inline bool add_overflows(std::uint64_t a, std::uint64_t b, std::uint64_t& out) {
  return __builtin_add_overflow(a, b, &out);
}
inline bool mul_overflows(std::uint64_t a, std::uint64_t b, std::uint64_t& out) {
  return __builtin_mul_overflow(a, b, &out);
}

/// An unsigned integer from / to little-endian bytes, on any host (shifts, not a byte swap).
template <class U>
U load_le(const std::byte* p) {
  static_assert(std::is_unsigned_v<U>);
  U v = 0;
  for (std::size_t i = 0; i < sizeof(U); ++i) v = U(v | U(U(std::to_integer<unsigned>(p[i])) << (8 * i)));
  return v;
}
template <class U>
void store_le(std::byte* p, U v) {
  static_assert(std::is_unsigned_v<U>);
  for (std::size_t i = 0; i < sizeof(U); ++i) p[i] = std::byte(std::uint8_t(v >> (8 * i)));
}

/// Reverses the byte order of n elements of `width` bytes in place (big-endian .npy data).
inline void swap_bytes(std::byte* p, std::size_t n, std::size_t width) {
  if (width <= 1) return;
  for (std::size_t i = 0; i < n; ++i) {
    std::byte* e = p + i * width;
    for (std::size_t a = 0, b = width - 1; a < b; ++a, --b) std::swap(e[a], e[b]);
  }
}

}  // namespace detail

/// A file's bytes, read-only: memory-mapped where the system has mmap (opening a file of any size
/// costs no copy; pages are read when touched), else read whole into memory. Movable, not copyable;
/// views into it (tensor_view) live as long as the object they came from.
class mapped_file {
 public:
  mapped_file() = default;
  explicit mapped_file(const std::filesystem::path& path) : name_(path.string()) {
#if LOWP_IO_HAVE_MMAP
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw error("cannot open '" + name_ + "': " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      ::close(fd);
      throw error("cannot read '" + name_ + "': not a regular file");
    }
    size_ = std::size_t(st.st_size);
    if (size_ > 0) {
      void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
      if (p == MAP_FAILED) {
        ::close(fd);
        throw error("cannot map '" + name_ + "': " + std::strerror(errno));
      }
      data_ = static_cast<const std::byte*>(p);
      mapped_ = true;
    }
    ::close(fd);
#else
    std::FILE* f = std::fopen(path.string().c_str(), "rb");
    if (f == nullptr) throw error("cannot open '" + name_ + "'");
    std::vector<std::byte> all;
    std::byte buf[1 << 16];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) all.insert(all.end(), buf, buf + n);
    const bool bad = std::ferror(f) != 0;
    std::fclose(f);
    if (bad) throw error("cannot read '" + name_ + "'");
    owned_ = std::make_shared<std::vector<std::byte>>(std::move(all));
    data_ = owned_->data();
    size_ = owned_->size();
#endif
  }
  /// Bytes already in memory (a test, a fuzzer, a download), copied so the object owns them.
  static mapped_file from_bytes(std::span<const std::byte> bytes, std::string name = "<memory>") {
    mapped_file m;
    m.name_ = std::move(name);
    m.owned_ = std::make_shared<std::vector<std::byte>>(bytes.begin(), bytes.end());
    m.data_ = m.owned_->data();
    m.size_ = m.owned_->size();
    return m;
  }
  mapped_file(const mapped_file&) = delete;
  mapped_file& operator=(const mapped_file&) = delete;
  mapped_file(mapped_file&& o) noexcept { swap(o); }
  mapped_file& operator=(mapped_file&& o) noexcept {
    mapped_file t(std::move(o));
    swap(t);
    return *this;
  }
  ~mapped_file() {
#if LOWP_IO_HAVE_MMAP
    if (mapped_) ::munmap(const_cast<std::byte*>(data_), size_);
#endif
  }

  std::span<const std::byte> bytes() const { return {data_, size_}; }
  std::size_t size() const { return size_; }
  const std::string& name() const { return name_; }
  /// True when the bytes are a memory mapping of the file (no copy was made).
  bool is_mapped() const { return mapped_; }
  /// Tells the system that the pages of `range` (bytes of this file) are done with: a mapped file
  /// gives them back (they leave the process's resident memory and are read again if touched), so a
  /// pass over a large file tensor by tensor stays at about one tensor of memory. Views stay valid.
  void release(std::span<const std::byte> range) const {
#if LOWP_IO_HAVE_MMAP
    if (!mapped_ || range.empty() || range.data() < data_ || range.data() + range.size() > data_ + size_) return;
    const std::size_t page = std::size_t(::sysconf(_SC_PAGESIZE));
    // whole pages inside the range only: a page shared with a neighbouring tensor stays
    const std::size_t from = std::size_t(range.data() - data_), to = from + range.size();
    const std::size_t a = (from + page - 1) / page * page, b = to / page * page;
    if (b > a) ::madvise(const_cast<std::byte*>(data_) + a, b - a, MADV_DONTNEED);
#else
    (void)range;
#endif
  }

 private:
  void swap(mapped_file& o) noexcept {
    std::swap(data_, o.data_);
    std::swap(size_, o.size_);
    std::swap(mapped_, o.mapped_);
    std::swap(name_, o.name_);
    std::swap(owned_, o.owned_);
  }
  const std::byte* data_ = nullptr;
  std::size_t size_ = 0;
  bool mapped_ = false;
  std::string name_;
  std::shared_ptr<std::vector<std::byte>> owned_;
};

/// A cursor over untrusted bytes: every read checks that the bytes are there and throws the file
/// error (kind, file name, offset) otherwise. Little-endian, as GGUF and safetensors store numbers.
class byte_reader {
 public:
  byte_reader(std::span<const std::byte> bytes, std::string_view kind, std::string_view file)
      : bytes_(bytes), kind_(kind), file_(file) {}

  std::uint64_t offset() const { return pos_; }
  std::uint64_t remaining() const { return bytes_.size() - pos_; }
  [[noreturn]] void fail(std::string_view message) const { fail_at(pos_, message); }
  [[noreturn]] void fail_at(std::uint64_t at, std::string_view message) const {
    throw file_error(kind_, file_, at, message);
  }

  /// The next n bytes (a view into the input), after checking they exist.
  std::span<const std::byte> take(std::uint64_t n, std::string_view what) {
    if (n > remaining())
      fail(std::string(what) + " needs " + std::to_string(n) + " bytes, the file has " + std::to_string(remaining()) +
           " left");
    auto s = bytes_.subspan(std::size_t(pos_), std::size_t(n));
    pos_ += n;
    return s;
  }
  template <class U>
  U read(std::string_view what) {
    return detail::load_le<U>(take(sizeof(U), what).data());
  }
  void seek(std::uint64_t to, std::string_view what) {
    if (to > bytes_.size())
      fail(std::string(what) + " at byte " + std::to_string(to) + " lies past the end of the file");
    pos_ = to;
  }

 private:
  std::span<const std::byte> bytes_;
  std::uint64_t pos_ = 0;
  std::string kind_;
  std::string file_;
};

/// Writes a whole file: to a temporary beside it, then renamed over the target, so a reader never
/// sees half a file and a failed write leaves the old one.
class file_writer {
 public:
  explicit file_writer(const std::filesystem::path& path) : path_(path), tmp_(path) {
    tmp_ += ".lowp-tmp";
    f_ = std::fopen(tmp_.string().c_str(), "wb");
    if (f_ == nullptr) throw error("cannot write '" + path_.string() + "': " + std::strerror(errno));
  }
  file_writer(const file_writer&) = delete;
  file_writer& operator=(const file_writer&) = delete;
  ~file_writer() {
    if (f_ != nullptr) {  // not committed: an exception left the file unfinished
      std::fclose(f_);
      std::error_code ec;
      std::filesystem::remove(tmp_, ec);
    }
  }
  void write(std::span<const std::byte> b) {
    if (!b.empty() && std::fwrite(b.data(), 1, b.size(), f_) != b.size())
      throw error("cannot write '" + path_.string() + "': " + std::strerror(errno));
    written_ += b.size();
  }
  void write(std::string_view s) { write(std::as_bytes(std::span<const char>(s.data(), s.size()))); }
  void zeros(std::size_t n) {
    static constexpr std::byte z[64] = {};
    while (n > 0) {
      const std::size_t k = n < sizeof z ? n : sizeof z;
      write(std::span<const std::byte>(z, k));
      n -= k;
    }
  }
  template <class U>
  void write_le(U v) {
    std::byte b[sizeof(U)];
    detail::store_le(b, v);
    write(std::span<const std::byte>(b, sizeof(U)));
  }
  std::uint64_t written() const { return written_; }
  void commit() {
    const bool bad = std::fflush(f_) != 0;
    std::fclose(f_);
    f_ = nullptr;
    std::error_code ec;
    if (bad) {
      std::filesystem::remove(tmp_, ec);
      throw error("cannot write '" + path_.string() + "'");
    }
    std::filesystem::rename(tmp_, path_, ec);
    if (ec) throw error("cannot write '" + path_.string() + "': " + ec.message());
  }

 private:
  std::filesystem::path path_, tmp_;
  std::FILE* f_ = nullptr;
  std::uint64_t written_ = 0;
};

}  // namespace lowp::io
