#include "storage/file_io.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace roentgen::storage {

Status ErrnoStatus(std::string_view what, const std::string& path) {
  const int err = errno;
  return Status::IoError(std::string(what) + " " + path + ": " + std::strerror(err));
}

Status SyncDirectory(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open", path);
  const int rc = ::fsync(fd);
  Status status = rc == 0 ? Status::Ok() : ErrnoStatus("fsync", path);
  ::close(fd);
  return status;
}

Status WriteFileDurably(const std::string& path, std::string_view content) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoStatus("open", tmp);
  const bool ok =
      ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()) &&
      ::fsync(fd) == 0;
  Status status = ok ? Status::Ok() : ErrnoStatus("write", tmp);
  ::close(fd);
  RETURN_IF_ERROR(status);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return ErrnoStatus("rename", tmp);
  return SyncDirectory(std::filesystem::path(path).parent_path().string());
}

}  // namespace roentgen::storage
