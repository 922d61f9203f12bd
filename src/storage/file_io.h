// storage/file_io.h — the few POSIX file operations the store needs to be durable, with errors as
// IoError Statuses that name the operation and the path.
// Thread-safety: functions only; safe from any thread.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace roentgen::storage {

// IoError "<what> <path>: <strerror(errno)>", from the current errno.
Status ErrnoStatus(std::string_view what, const std::string& path);

// fsyncs a directory, so that entries created or renamed in it survive an OS crash.
Status SyncDirectory(const std::string& path);

// Replaces `path` with `content` atomically and durably: written to `<path>.tmp`, fsynced, renamed
// over `path`, and the directory fsynced.
Status WriteFileDurably(const std::string& path, std::string_view content);

}  // namespace roentgen::storage
