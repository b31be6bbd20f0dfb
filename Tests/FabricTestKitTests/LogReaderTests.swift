import FabricCore
import Foundation
import Testing
@testable import FabricTestKit

@Suite struct LogReaderTests {
    @Test func readsCompleteLinesAndKeepsTheRest() throws {
        let scratch = try ScratchDirectory()
        let path = "\(scratch.path)/log"
        var reader = LogReader(path: path)
        #expect(try reader.readLines() == [])  // no file yet
        try append("one\r\ntw", to: path)
        #expect(try reader.readLines() == ["one"])
        try append("o\nthree", to: path)
        #expect(try reader.readLines() == ["two"])
        #expect(try reader.readLines() == [])
        #expect(reader.takeUnterminatedLine() == "three")
        #expect(reader.takeUnterminatedLine() == nil)
    }

    @Test func fromEndSkipsWhatIsAlreadyThere() throws {
        let scratch = try ScratchDirectory()
        let path = "\(scratch.path)/log"
        try append("old\n", to: path)
        var reader = LogReader.fromEnd(of: path)
        try append("new\n", to: path)
        #expect(try reader.readLines() == ["new"])
    }

    @Test func cutsOverlongLines() throws {
        let scratch = try ScratchDirectory()
        let path = "\(scratch.path)/log"
        let limit = Limits.testKitLogLineBytesMax
        try append(String(repeating: "x", count: limit * 2 + 5) + "\nend\n", to: path)
        var reader = LogReader(path: path)
        let lines = try reader.readLines()
        #expect(lines.map(\.utf8.count) == [limit, limit, 5, 3])
    }

    @Test func repairsInvalidUTF8() throws {
        let scratch = try ScratchDirectory()
        let path = "\(scratch.path)/log"
        try Data([0x61, 0xff, 0x62, 0x0a]).write(to: URL(fileURLWithPath: path))
        var reader = LogReader(path: path)
        #expect(try reader.readLines() == ["a\u{FFFD}b"])
    }

    @Test func tailKeepsTheLastLines() throws {
        let scratch = try ScratchDirectory()
        let path = "\(scratch.path)/log"
        try append((1...10).map { "line \($0)\n" }.joined(), to: path)
        #expect(LogFile.tail(path, lineCount: 3) == ["line 8", "line 9", "line 10"])
        #expect(LogFile.tail(path, lineCount: 0) == [])
        #expect(LogFile.tail("\(scratch.path)/missing", lineCount: 3) == [])
        #expect(LogFile.text(path).hasPrefix("line 1\nline 2\n"))
    }

    private func append(_ text: String, to path: String) throws {
        if !FileManager.default.fileExists(atPath: path) {
            #expect(FileManager.default.createFile(atPath: path, contents: nil))
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
    }
}
