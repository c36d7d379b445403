// FileReader and FileWriter: Io over a descriptor libuv cannot poll (UV_FILE: a regular file,
// /dev/null or another character device), used when stdin or stdout is redirected to one.
// Internal to rpc/transport.
//
// Both run one uv_fs_* request at a time on libuv's thread pool, at the current file
// position (offset -1), and own their descriptor: close() closes it (asynchronously, with
// uv_fs_close), after any request in flight has finished or been cancelled.
#pragma once

#include <uv.h>

#include <memory>
#include <vector>

#include "rpc/transport/io.h"

namespace spool::rpc::transport {

// Reads `fd` in chunks of kReadChunkBytes until a read returns 0 (EOF) or fails. A read
// already in flight when stop_reading() is called is still delivered; no other starts.
// write() fails with UV_ENOTSUP.
class FileReader final : public Io {
 public:
  FileReader(uv_loop_t* loop, int fd);
  ~FileReader() override;
  FileReader(const FileReader&) = delete;
  FileReader& operator=(const FileReader&) = delete;

  int start_reading() override;
  void stop_reading() override;
  int write(const uv_buf_t* bufs, unsigned nbufs) override;
  void close() override;

 private:
  int issue_read();
  void start_close();
  static void on_read(uv_fs_t* req);
  static void on_closed(uv_fs_t* req);

  uv_loop_t* loop_;
  int fd_;
  uv_fs_t req_{};
  std::unique_ptr<char[]> buf_;
  bool wanted_ = false;     // start_reading() more recently than stop_reading()
  bool in_flight_ = false;  // req_ is a read that has not completed
  bool ended_ = false;      // EOF or an error was reported
  bool closing_ = false;
};

// Writes to `fd`: each write() becomes uv_fs_write calls, repeated after a short write
// until every byte is written. Reading is a no-op.
class FileWriter final : public Io {
 public:
  FileWriter(uv_loop_t* loop, int fd);
  ~FileWriter() override;
  FileWriter(const FileWriter&) = delete;
  FileWriter& operator=(const FileWriter&) = delete;

  int start_reading() override { return 0; }
  void stop_reading() override {}
  int write(const uv_buf_t* bufs, unsigned nbufs) override;
  void close() override;

 private:
  int issue_write();
  void start_close();
  static void on_write(uv_fs_t* req);
  static void on_closed(uv_fs_t* req);

  uv_loop_t* loop_;
  int fd_;
  uv_fs_t req_{};
  std::vector<uv_buf_t> pending_;  // what is left of the current write, first unwritten byte first
  std::size_t next_ = 0;           // index of the first buffer in pending_ not fully written
  bool in_flight_ = false;
  bool closing_ = false;
};

}  // namespace spool::rpc::transport
