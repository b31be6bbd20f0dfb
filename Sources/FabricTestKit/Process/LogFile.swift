import FabricCore
import Glibc

/// Small, bounded reads of node log files.
enum LogFile {
    /// The file's size in bytes, 0 if it does not exist.
    static func size(of path: String) -> Int {
        var information = stat()
        guard stat(path, &information) == 0 else { return 0 }
        return Int(information.st_size)
    }

    /// Up to `count` bytes at `offset`; empty at the end of the file or if it does not exist.
    static func read(_ path: String, at offset: Int, count: Int) throws -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        if descriptor < 0 {
            if errno == ENOENT { return [] }
            throw TestKitError(.system, "cannot open \(path): \(systemErrorText(errno))")
        }
        defer { close(descriptor) }
        var bytes = [UInt8](repeating: 0, count: count)
        let readCount = try bytes.withUnsafeMutableBytes { buffer in
            try readFully(descriptor, into: buffer, at: offset, path: path)
        }
        bytes.removeLast(count - readCount)
        return bytes
    }

    /// The whole file as text, or only its last `Limits.testKitLogReadBytesMax` bytes after a
    /// line saying how much was left out.
    static func text(_ path: String) -> String {
        let size = size(of: path)
        let start = max(0, size - Limits.testKitLogReadBytesMax)
        guard let bytes = try? read(path, at: start, count: size - start) else { return "" }
        let text = String(decoding: bytes, as: UTF8.self)
        return start == 0 ? text : "[\(start) earlier bytes left out]\n" + text
    }

    /// The last `lineCount` lines, read from at most `Limits.testKitLogTailBytesMax` bytes at
    /// the end of the file.
    static func tail(_ path: String, lineCount: Int) -> [String] {
        let size = size(of: path)
        let start = max(0, size - Limits.testKitLogTailBytesMax)
        guard lineCount > 0, let bytes = try? read(path, at: start, count: size - start) else {
            return []
        }
        var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            .map { String(decoding: $0, as: UTF8.self) }
        if lines.last == "" { lines.removeLast() }
        if start > 0, !lines.isEmpty { lines.removeFirst() }  // began mid-line
        return Array(lines.suffix(lineCount))
    }

    /// `pread` until `buffer` is full or the file ends, retrying interrupted reads.
    private static func readFully(
        _ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int, path: String
    ) throws -> Int {
        var total = 0
        while total < buffer.count {
            let result = pread(descriptor, buffer.baseAddress! + total, buffer.count - total,
                               off_t(offset + total))
            if result == 0 { break }
            if result < 0 {
                if errno == EINTR { continue }
                throw TestKitError(.system, "cannot read \(path): \(systemErrorText(errno))")
            }
            total += result
        }
        return total
    }
}
