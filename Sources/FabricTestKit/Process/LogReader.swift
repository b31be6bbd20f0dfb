import FabricCore
import Glibc

/// Reads a growing log file line by line, picking up where it stopped last time.
///
/// The node keeps writing while the harness reads, so the last bytes may be half a line: they
/// wait in `pendingLine` for the rest. Memory stays bounded whatever the node prints: one call
/// reads at most `Limits.testKitLogReadBytesMax` bytes and a line longer than
/// `Limits.testKitLogLineBytesMax` is cut into pieces of that size.
struct LogReader {
    /// The file being read.
    let path: String
    /// Bytes of the file consumed so far.
    private(set) var offset: Int
    /// The start of a line whose newline has not been written yet.
    private var pendingLine: [UInt8] = []

    /// A reader from the start of the file.
    init(path: String) {
        self.path = path
        self.offset = 0
    }

    /// A reader that skips everything already in the file: it sees only what comes next.
    static func fromEnd(of path: String) -> LogReader {
        var reader = LogReader(path: path)
        reader.offset = LogFile.size(of: path)
        return reader
    }

    /// The complete lines written since the last call (without their newlines).
    mutating func readLines() throws -> [String] {
        var lines: [String] = []
        var bytesLeft = Limits.testKitLogReadBytesMax
        while bytesLeft > 0 {
            let chunk = try LogFile.read(path, at: offset, count: min(bytesLeft, Self.chunkBytes))
            if chunk.isEmpty { break }
            offset += chunk.count
            bytesLeft -= chunk.count
            appendLines(from: chunk, to: &lines)
        }
        return lines
    }

    /// The text after the last newline, if any: the final line of a node that has exited
    /// without ending it. Consumes it.
    mutating func takeUnterminatedLine() -> String? {
        guard !pendingLine.isEmpty else { return nil }
        defer { pendingLine.removeAll() }
        return Self.text(pendingLine)
    }

    /// Splits `chunk` at newlines, continuing the pending line and cutting over-long ones.
    private mutating func appendLines(from chunk: [UInt8], to lines: inout [String]) {
        for byte in chunk {
            if byte == UInt8(ascii: "\n") {
                lines.append(Self.text(pendingLine))
                pendingLine.removeAll(keepingCapacity: true)
                continue
            }
            pendingLine.append(byte)
            if pendingLine.count >= Limits.testKitLogLineBytesMax {
                lines.append(Self.text(pendingLine))
                pendingLine.removeAll(keepingCapacity: true)
            }
        }
    }

    /// Bytes as text, invalid UTF-8 repaired and a trailing carriage return dropped.
    private static func text(_ bytes: [UInt8]) -> String {
        let line = bytes.last == UInt8(ascii: "\r") ? bytes.dropLast() : bytes[...]
        return String(decoding: line, as: UTF8.self)
    }

    /// Bytes asked of the file at once.
    private static let chunkBytes = 64 * 1024
}
