#include "storage/lmdb_env.h"

#include <cerrno>

#include "core/check.h"

namespace roentgen::storage {

Status LmdbStatus(int rc, std::string_view what) {
  if (rc == MDB_SUCCESS) return Status::Ok();
  std::string message = "lmdb: " + std::string(what) + ": " + mdb_strerror(rc);
  switch (rc) {
    case MDB_CORRUPTED:
    case MDB_INVALID:
    case MDB_VERSION_MISMATCH:
    case MDB_PAGE_NOTFOUND:
    case MDB_INCOMPATIBLE:
    case MDB_BAD_DBI:
      return Status::Corruption(std::move(message));
    case MDB_MAP_FULL:
    case MDB_READERS_FULL:
    case MDB_TXN_FULL:
    case MDB_DBS_FULL:
    case ENOSPC:
    case ENOMEM:
      return Status::ResourceExhausted(std::move(message));
    case EIO:
    case EACCES:
    case EROFS:
      return Status::IoError(std::move(message));
    default:
      return Status::Internal(std::move(message));
  }
}

Result<std::unique_ptr<LmdbEnv>> LmdbEnv::Open(const std::string& path,
                                               std::span<const char* const> db_names,
                                               const LmdbOptions& options,
                                               std::span<const unsigned> db_flags) {
  CHECK(db_flags.empty() || db_flags.size() == db_names.size()) << "one flag set per database";
  MDB_env* raw = nullptr;
  int rc = mdb_env_create(&raw);
  if (rc != MDB_SUCCESS) return LmdbStatus(rc, "env_create");
  std::unique_ptr<LmdbEnv> env(new LmdbEnv(raw));
  rc = mdb_env_set_mapsize(raw, options.map_size);
  if (rc == MDB_SUCCESS) rc = mdb_env_set_maxdbs(raw, static_cast<MDB_dbi>(db_names.size()));
  if (rc == MDB_SUCCESS) rc = mdb_env_set_maxreaders(raw, options.max_readers);
  if (rc != MDB_SUCCESS) return LmdbStatus(rc, "env settings of " + path);
  rc = mdb_env_open(raw, path.c_str(), options.flags, 0644);
  if (rc != MDB_SUCCESS) return LmdbStatus(rc, "env_open " + path);
  int dead = 0;
  mdb_reader_check(raw, &dead);  // clear reader slots left by killed processes

  ASSIGN_OR_RETURN(LmdbTxn txn, LmdbTxn::Begin(*env, /*read_only=*/false));
  for (size_t i = 0; i < db_names.size(); ++i) {
    MDB_dbi dbi = 0;
    const unsigned flags = MDB_CREATE | (db_flags.empty() ? 0u : db_flags[i]);
    rc = mdb_dbi_open(txn.get(), db_names[i], flags, &dbi);
    if (rc != MDB_SUCCESS) {
      return LmdbStatus(rc, std::string("dbi_open ") + db_names[i] + " in " + path);
    }
    env->dbis_.push_back(dbi);
  }
  RETURN_IF_ERROR(txn.Commit());
  return env;
}

LmdbEnv::~LmdbEnv() { mdb_env_close(env_); }

Status LmdbEnv::Sync() const { return LmdbStatus(mdb_env_sync(env_, 1), "env_sync"); }

Result<LmdbTxn> LmdbTxn::Begin(const LmdbEnv& env, bool read_only) {
  MDB_txn* txn = nullptr;
  const int rc = mdb_txn_begin(env.env(), nullptr, read_only ? MDB_RDONLY : 0, &txn);
  if (rc != MDB_SUCCESS) return LmdbStatus(rc, "txn_begin");
  return LmdbTxn(txn);
}

Result<std::optional<std::string_view>> LmdbTxn::Get(MDB_dbi dbi, std::string_view key) const {
  MDB_val k = ToVal(key);
  MDB_val v{0, nullptr};
  const int rc = mdb_get(txn_, dbi, &k, &v);
  if (rc == MDB_NOTFOUND) return std::optional<std::string_view>();
  if (rc != MDB_SUCCESS) return LmdbStatus(rc, "get");
  return std::optional<std::string_view>(FromVal(v));
}

Status LmdbTxn::Put(MDB_dbi dbi, std::string_view key, std::string_view value, unsigned flags) {
  MDB_val k = ToVal(key);
  MDB_val v = ToVal(value);
  return LmdbStatus(mdb_put(txn_, dbi, &k, &v, flags), "put");
}

Status LmdbTxn::Delete(MDB_dbi dbi, std::string_view key) {
  MDB_val k = ToVal(key);
  const int rc = mdb_del(txn_, dbi, &k, nullptr);
  if (rc == MDB_NOTFOUND) return Status::Ok();
  return LmdbStatus(rc, "del");
}

Status LmdbTxn::Clear(MDB_dbi dbi) { return LmdbStatus(mdb_drop(txn_, dbi, 0), "drop"); }

Status LmdbTxn::Commit() {
  CHECK(txn_ != nullptr) << "commit of a finished transaction";
  const int rc = mdb_txn_commit(std::exchange(txn_, nullptr));
  return LmdbStatus(rc, "txn_commit");
}

Result<LmdbCursor> LmdbCursor::Open(const LmdbTxn& txn, MDB_dbi dbi) {
  MDB_cursor* cursor = nullptr;
  const int rc = mdb_cursor_open(txn.get(), dbi, &cursor);
  if (rc != MDB_SUCCESS) return LmdbStatus(rc, "cursor_open");
  return LmdbCursor(cursor);
}

Result<bool> LmdbCursor::Move(MDB_cursor_op op, std::string_view seek) {
  if (op == MDB_SET_RANGE || op == MDB_SET_KEY) key_ = ToVal(seek);
  int rc = mdb_cursor_get(cursor_, &key_, &value_, op);
  // Some operations leave the key alone (pointing at `seek`, or stale): read it back.
  if (rc == MDB_SUCCESS && (op == MDB_FIRST_DUP || op == MDB_LAST_DUP)) {
    rc = mdb_cursor_get(cursor_, &key_, &value_, MDB_GET_CURRENT);
  }
  if (rc == MDB_NOTFOUND) return false;
  if (rc != MDB_SUCCESS) return LmdbStatus(rc, "cursor_get");
  return true;
}

Status LmdbCursor::Put(std::string_view key, std::string_view value, unsigned flags) {
  MDB_val k = ToVal(key);
  MDB_val v = ToVal(value);
  return LmdbStatus(mdb_cursor_put(cursor_, &k, &v, flags), "cursor_put");
}

Result<bool> LmdbCursor::SeekDuplicate(std::string_view key, std::string_view value) {
  key_ = ToVal(key);
  value_ = ToVal(value);
  int rc = mdb_cursor_get(cursor_, &key_, &value_, MDB_GET_BOTH_RANGE);
  if (rc == MDB_SUCCESS) rc = mdb_cursor_get(cursor_, &key_, &value_, MDB_GET_CURRENT);
  if (rc == MDB_NOTFOUND) return false;
  if (rc != MDB_SUCCESS) return LmdbStatus(rc, "cursor_get");
  return true;
}

}  // namespace roentgen::storage
