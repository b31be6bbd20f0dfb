import FabricCore
import Foundation
import Testing
@testable import FabricConsensus

/// The write-ahead log: what is appended and synced comes back after a reopen, overwrites
/// follow Raft §5.3, a torn tail is cut, damage elsewhere is refused, segments rotate and are
/// compacted away.
@Suite struct WriteAheadLogTests {
    static func temporaryDirectory() -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("fabric-wal-\(UUID().uuidString)").path
        return path
    }

    static func entry(_ index: UInt64, term: UInt64 = 1, _ text: String = "") -> WALEntry {
        WALEntry(index: index, term: term, kind: 0, data: Array((text.isEmpty ? "e\(index)" : text).utf8))
    }

    static func segmentPaths(_ directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix("wal-") }.sorted()
            .map { directory + "/" + $0 }
    }

    @Test func whatWasSyncedComesBack() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let state = WALHardState(term: 3, vote: try NodeId("n2"), commit: 2)
        do {
            let (log, recovery) = try WriteAheadLog.open(directory: directory)
            #expect(recovery.entries.isEmpty && recovery.hardState == nil && recovery.segments == 0)
            try log.append([Self.entry(1), Self.entry(2), Self.entry(3, term: 3)], hardState: state)
            try log.sync()
            log.close()
        }
        let (_, recovery) = try WriteAheadLog.open(directory: directory)
        #expect(recovery.entries == [Self.entry(1), Self.entry(2), Self.entry(3, term: 3)])
        #expect(recovery.hardState == state)
        #expect(recovery.truncatedBytes == 0)
    }

    /// Raft §5.3: a follower's conflicting entries are replaced by the leader's; the log appends
    /// the new ones and replay drops everything from the first overwritten index.
    @Test func anOverwriteReplacesTheTailFromItsIndex() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            let (log, _) = try WriteAheadLog.open(directory: directory)
            try log.append((1...5).map { Self.entry($0) }, hardState: nil)
            try log.append([Self.entry(3, term: 2, "new3"), Self.entry(4, term: 2, "new4")], hardState: nil)
            try log.sync()
        }
        let (_, recovery) = try WriteAheadLog.open(directory: directory)
        #expect(recovery.entries == [Self.entry(1), Self.entry(2), Self.entry(3, term: 2, "new3"), Self.entry(4, term: 2, "new4")])
    }

    /// A crash in the middle of a write leaves part of a record: recovery cuts the file there,
    /// keeps everything before it, and appending afterwards works.
    @Test func aTornTailIsCutAndTheLogGoesOn() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            let (log, _) = try WriteAheadLog.open(directory: directory)
            try log.append([Self.entry(1), Self.entry(2)], hardState: nil)
            try log.sync()
        }
        let path = try #require(try Self.segmentPaths(directory).last)
        let intact = try Data(contentsOf: URL(fileURLWithPath: path))
        var record: [UInt8] = []
        WALRecord.entry(Self.entry(3)).encode(into: &record)
        for cut in [1, 7, 8, record.count - 1] {
            try (intact + Data(record.prefix(cut))).write(to: URL(fileURLWithPath: path))
            let (log, recovery) = try WriteAheadLog.open(directory: directory)
            #expect(recovery.entries == [Self.entry(1), Self.entry(2)], "cut at \(cut)")
            #expect(recovery.truncatedBytes == cut, "cut at \(cut)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == intact, "the file is cut back, at \(cut)")
            log.close()
        }
        let (log, _) = try WriteAheadLog.open(directory: directory)
        try log.append([Self.entry(3)], hardState: nil)
        try log.sync()
        log.close()
        let (_, recovery) = try WriteAheadLog.open(directory: directory)
        #expect(recovery.entries.map(\.index) == [1, 2, 3])
    }

    /// A flipped bit in the last record is a bad checksum: cut like a torn write.
    @Test func aDamagedLastRecordIsCut() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            let (log, _) = try WriteAheadLog.open(directory: directory)
            try log.append([Self.entry(1), Self.entry(2)], hardState: nil)
            try log.sync()
        }
        let path = try #require(try Self.segmentPaths(directory).last)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[bytes.count - 1] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let (_, recovery) = try WriteAheadLog.open(directory: directory)
        #expect(recovery.entries == [Self.entry(1)])
        #expect(recovery.truncationReason?.contains("checksum") == true)
    }

    /// Damage in a segment that later segments follow cannot be a torn write: `corrupt`.
    @Test func damageBeforeTheLastSegmentIsRefused() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            let (log, _) = try WriteAheadLog.open(directory: directory, segmentBytes: 200)
            for index in 1...20 { try log.append([Self.entry(UInt64(index), "entry of some length \(index)")], hardState: nil) }
            try log.sync()
            #expect(log.segmentCount > 2)
        }
        let first = try #require(try Self.segmentPaths(directory).first)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: first)))
        bytes[20] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: first))
        #expect {
            _ = try WriteAheadLog.open(directory: directory, segmentBytes: 200)
        } throws: { ($0 as? StorageError)?.code == .corrupt }
    }

    /// Segments rotate past their size; a new segment starts with the hard state, so after the
    /// old ones are compacted away the state still comes back.
    @Test func segmentsRotateAndCompactionKeepsTheState() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let state = WALHardState(term: 7, vote: nil, commit: 30)
        do {
            let (log, _) = try WriteAheadLog.open(directory: directory, segmentBytes: 256)
            try log.append([], hardState: state)
            for index in 1...40 { try log.append([Self.entry(UInt64(index), term: 7)], hardState: nil) }
            try log.sync()
            let before = log.segmentCount
            #expect(before > 4)
            try log.markSnapshot(index: 30, term: 7)
            #expect(log.segmentCount < before)
            #expect(try Self.segmentPaths(directory).count == log.segmentCount)
        }
        let (_, recovery) = try WriteAheadLog.open(directory: directory, segmentBytes: 256)
        #expect(recovery.hardState == state)
        #expect(recovery.snapshot?.index == 30 && recovery.snapshot?.term == 7)
        #expect(recovery.entries.map(\.index) == Array(31...40))
    }

    /// A zero-filled tail (a file extended but never written) reads as torn, not as records.
    @Test func zeroesAtTheEndAreATornTail() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            let (log, _) = try WriteAheadLog.open(directory: directory)
            try log.append([Self.entry(1)], hardState: nil)
            try log.sync()
        }
        let path = try #require(try Self.segmentPaths(directory).last)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(count: 4096))
        try handle.close()
        let (_, recovery) = try WriteAheadLog.open(directory: directory)
        #expect(recovery.entries == [Self.entry(1)])
        #expect(recovery.truncatedBytes == 4096)
    }

    /// A length field far past the limit is refused before anything is allocated for it.
    @Test func aHugeLengthIsDamageNotAnAllocation() {
        var bytes: [UInt8] = [0xFF, 0xFF, 0xFF, 0x7F, 0, 0, 0, 0, 1]
        bytes += [UInt8](repeating: 0, count: 32)
        guard case .damaged(let reason) = WALRecord.read(bytes, at: 0) else {
            Issue.record("a record of length 0x7fffffff was read")
            return
        }
        #expect(reason.contains("past"))
    }

    /// Random bytes never crash the reader, and never yield a record whose checksum they lack.
    @Test func randomBytesNeverCrashTheReader() {
        var random = SeededRandom(seed: 0x57A1)
        for _ in 0..<2000 {
            let count = Int(random.next() % 64)
            let bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            var offset = 0
            while case .record(_, let next) = WALRecord.read(bytes, at: offset) { offset = next }
        }
    }

    /// Every record kind encodes and reads back as itself.
    @Test func recordsRoundTrip() throws {
        let records: [WALRecord] = [
            .entry(Self.entry(9, term: 4, "payload")), .entry(WALEntry(index: 1, term: 1, kind: 2, data: [])),
            .hardState(WALHardState(term: 1, vote: try NodeId("a-long.node_name"), commit: 0)),
            .hardState(WALHardState(term: .max, vote: nil, commit: .max)), .snapshot(index: 100, term: 5),
        ]
        var bytes: [UInt8] = []
        for record in records { record.encode(into: &bytes) }
        var offset = 0
        var read: [WALRecord] = []
        while case .record(let record, let next) = WALRecord.read(bytes, at: offset) {
            read.append(record)
            offset = next
        }
        #expect(read == records)
        #expect(offset == bytes.count)
    }
}
