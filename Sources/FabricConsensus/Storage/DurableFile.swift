#if canImport(Glibc)
import Glibc
#endif

/// The few file system calls durable storage needs, each turning `errno` into a
/// `StorageError` that names the file. Writes go straight to the descriptor (`write(2)` until
/// every byte is written); nothing here is durable until `sync()` returns.
package struct DurableFile: ~Copyable {
    /// The file's path, for messages.
    package let path: String
    private let descriptor: Int32

    /// Opens `path` for reading and appending, creating it (mode 0644) when `create` is set.
    package init(path: String, create: Bool) throws(StorageError) {
        let flags = O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0)
        let descriptor = open(path, flags, 0o644)
        guard descriptor >= 0 else { throw Self.failure("open", path) }
        self.path = path
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// The file's size in bytes.
    package func size() throws(StorageError) -> Int {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw Self.failure("fstat", path) }
        return Int(status.st_size)
    }

    /// The whole file, refused when it is larger than `limit` bytes (checked before reading).
    package func readAll(limit: Int) throws(StorageError) -> [UInt8] {
        let count = try size()
        guard count <= limit else {
            throw StorageError(.limit, "\(path) has \(count) bytes, more than the \(limit) allowed")
        }
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let read = bytes.withUnsafeMutableBytes { buffer in
                pread(descriptor, buffer.baseAddress! + done, count - done, off_t(done))
            }
            if read < 0, errno == EINTR { continue }
            guard read > 0 else {
                throw read == 0 ? StorageError(.io, "\(path) ended at \(done) of \(count) bytes while being read")
                    : Self.failure("pread", path)
            }
            done += read
        }
        return bytes
    }

    /// Appends `bytes` at the end of the file.
    package func append(_ bytes: [UInt8]) throws(StorageError) {
        guard lseek(descriptor, 0, SEEK_END) >= 0 else { throw Self.failure("lseek", path) }
        var done = 0
        while done < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in
                write(descriptor, buffer.baseAddress! + done, bytes.count - done)
            }
            if written < 0, errno == EINTR { continue }
            guard written > 0 else { throw Self.failure("write", path) }
            done += written
        }
    }

    /// Cuts the file to `length` bytes (a torn tail).
    package func truncate(to length: Int) throws(StorageError) {
        guard ftruncate(descriptor, off_t(length)) == 0 else { throw Self.failure("ftruncate", path) }
    }

    /// Makes what was written durable (`fdatasync`: the data and the size, not the times).
    package func sync() throws(StorageError) {
        guard fdatasync(descriptor) == 0 else { throw Self.failure("fdatasync", path) }
    }

    /// Makes a directory's entries durable: a file created, renamed or removed in it survives a
    /// crash only once its directory is synced.
    package static func syncDirectory(_ path: String) throws(StorageError) {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure("open", path) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw failure("fsync", path) }
    }

    /// Creates the directory `path` (and not its parents) unless it exists.
    package static func makeDirectory(_ path: String) throws(StorageError) {
        if mkdir(path, 0o755) != 0, errno != EEXIST { throw failure("mkdir", path) }
    }

    /// The names in directory `path` (without `.` and `..`), at most `limit` of them.
    package static func list(_ path: String, limit: Int) throws(StorageError) -> [String] {
        guard let directory = opendir(path) else { throw failure("opendir", path) }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            guard names.count < limit else {
                throw StorageError(.limit, "\(path) holds more than \(limit) entries")
            }
            names.append(name)
        }
        return names.sorted()
    }

    /// Renames `from` to `to`, replacing `to` atomically.
    package static func rename(_ from: String, to: String) throws(StorageError) {
        guard Glibc.rename(from, to) == 0 else { throw failure("rename", from) }
    }

    /// Removes the file `path`; a file already gone is not an error.
    package static func remove(_ path: String) throws(StorageError) {
        if unlink(path) != 0, errno != ENOENT { throw failure("unlink", path) }
    }

    private static func failure(_ call: String, _ path: String) -> StorageError {
        let code = errno
        let text = strerror(code).map { String(cString: $0) } ?? "errno \(code)"
        return StorageError(.io, "\(call) \(path): \(text)")
    }
}
