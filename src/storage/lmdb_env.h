// storage/lmdb_env.h — a thin RAII layer over LMDB (the only file besides lmdb_env.cc that
// touches its error codes): an environment with its named databases, and transactions that
// abort unless committed. Every failure becomes a Status.
// Thread-safety: an LmdbEnv may be shared by threads (it is opened with MDB_NOTLS, so read
// transactions are not tied to threads); one write transaction at a time (LMDB serializes them);
// each LmdbTxn is used by one thread at a time.
#pragma once

#include <lmdb.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/status.h"

namespace roentgen::storage {

// Turns an LMDB return code into a Status naming `what` failed.
Status LmdbStatus(int rc, std::string_view what);

inline MDB_val ToVal(std::string_view bytes) {
  return MDB_val{bytes.size(), const_cast<char*>(bytes.data())};
}
inline MDB_val ToVal(std::span<const uint8_t> bytes) {
  return MDB_val{bytes.size(), const_cast<uint8_t*>(bytes.data())};
}
inline std::string_view FromVal(const MDB_val& val) {
  return {static_cast<const char*>(val.mv_data), val.mv_size};
}

struct LmdbOptions {
  uint64_t map_size = uint64_t{1} << 30;  // virtual; the file grows only as pages are used
  uint32_t max_readers = 1024;
  // Durability of the index is not needed: the segment log is the write-ahead log.
  unsigned flags = MDB_NOSYNC | MDB_NOMETASYNC | MDB_NOTLS | MDB_NORDAHEAD;
};

class LmdbEnv {
 public:
  // Opens (creating if needed) the environment in directory `path` with the named databases
  // `db_names`; `db_flags`, when given, holds each database's mdb_dbi_open flags (MDB_DUPSORT,
  // MDB_DUPFIXED, ...), fixed when the database is created. Corruption when the files are not a
  // valid LMDB environment (or a database exists with other flags), so that the caller can
  // rebuild them.
  static Result<std::unique_ptr<LmdbEnv>> Open(const std::string& path,
                                               std::span<const char* const> db_names,
                                               const LmdbOptions& options,
                                               std::span<const unsigned> db_flags = {});
  ~LmdbEnv();
  LmdbEnv(const LmdbEnv&) = delete;
  LmdbEnv& operator=(const LmdbEnv&) = delete;

  MDB_env* env() const { return env_; }
  // The handle of the i-th database passed to Open.
  MDB_dbi dbi(size_t i) const { return dbis_[i]; }
  // Flushes committed transactions to disk.
  Status Sync() const;

 private:
  explicit LmdbEnv(MDB_env* env) : env_(env) {}

  MDB_env* env_;
  std::vector<MDB_dbi> dbis_;
};

class LmdbTxn {
 public:
  static Result<LmdbTxn> Begin(const LmdbEnv& env, bool read_only);
  LmdbTxn(LmdbTxn&& other) noexcept : txn_(std::exchange(other.txn_, nullptr)) {}
  LmdbTxn& operator=(LmdbTxn&&) = delete;
  LmdbTxn(const LmdbTxn&) = delete;
  ~LmdbTxn() {
    if (txn_ != nullptr) mdb_txn_abort(txn_);
  }

  MDB_txn* get() const { return txn_; }

  // nullopt when `key` is absent. The view stays valid until the transaction ends (or, in a
  // write transaction, until the next write).
  Result<std::optional<std::string_view>> Get(MDB_dbi dbi, std::string_view key) const;
  Status Put(MDB_dbi dbi, std::string_view key, std::string_view value, unsigned flags = 0);
  // OK whether or not `key` was present.
  Status Delete(MDB_dbi dbi, std::string_view key);
  // Deletes every entry of `dbi` (the database itself stays).
  Status Clear(MDB_dbi dbi);
  Status Commit();

 private:
  explicit LmdbTxn(MDB_txn* txn) : txn_(txn) {}
  MDB_txn* txn_;
};

// A cursor valid for the life of its transaction.
class LmdbCursor {
 public:
  static Result<LmdbCursor> Open(const LmdbTxn& txn, MDB_dbi dbi);
  // A moved cursor keeps its position (key() and value() stay valid).
  LmdbCursor(LmdbCursor&& other) noexcept
      : cursor_(std::exchange(other.cursor_, nullptr)), key_(other.key_), value_(other.value_) {}
  LmdbCursor& operator=(LmdbCursor&&) = delete;
  ~LmdbCursor() {
    if (cursor_ != nullptr) mdb_cursor_close(cursor_);
  }

  // Positions the cursor (MDB_FIRST, MDB_LAST, MDB_NEXT, MDB_PREV, MDB_SET_RANGE with `seek`;
  // in a MDB_DUPSORT database also MDB_SET_KEY with `seek`, MDB_FIRST_DUP, MDB_LAST_DUP,
  // MDB_NEXT_DUP, MDB_PREV_DUP). false at the end of the database (or of the key's duplicates);
  // a Status for real errors.
  Result<bool> Move(MDB_cursor_op op, std::string_view seek = {});
  // MDB_DUPSORT only: positions on key `key` at its first duplicate >= `value`
  // (MDB_GET_BOTH_RANGE); false when the key is absent or every duplicate is below `value`.
  Result<bool> SeekDuplicate(std::string_view key, std::string_view value);
  std::string_view key() const { return FromVal(key_); }
  std::string_view value() const { return FromVal(value_); }
  // mdb_cursor_put (write transactions); the cursor ends on the new item.
  Status Put(std::string_view key, std::string_view value, unsigned flags = 0);

 private:
  explicit LmdbCursor(MDB_cursor* cursor) : cursor_(cursor) {}
  MDB_cursor* cursor_;
  MDB_val key_{0, nullptr};
  MDB_val value_{0, nullptr};
};

}  // namespace roentgen::storage
